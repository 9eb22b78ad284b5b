import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('should apply LiteLLM defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      masterKey: undefined,
      redis: undefined,
      migrateOnStart: true,
      logLevel: 'info',
    });
  });

  it('should build a Redis URL from REDIS_HOST, REDIS_PORT and REDIS_PASSWORD', () => {
    expect(loadConfig({ REDIS_HOST: 'cache', REDIS_PORT: '6380', REDIS_PASSWORD: 'p@ss' }).redis).toEqual({
      url: 'redis://:p%40ss@cache:6380',
    });
    expect(loadConfig({ REDIS_URL: 'redis://r:6379', REDIS_HOST: 'ignored' }).redis).toEqual({
      url: 'redis://r:6379',
    });
  });

  it('should turn migrations off by env or by the --no-migrate flag', () => {
    expect(loadConfig({ MIGRATE_ON_START: 'false' }).migrateOnStart).toBe(false);
    expect(loadConfig({}, ['--no-migrate']).migrateOnStart).toBe(false);
  });

  it('should read the number of workers from --num_workers (either form), else NUM_WORKERS, else 1', () => {
    expect(loadConfig({}).numWorkers).toBe(1);
    expect(loadConfig({ NUM_WORKERS: '3' }).numWorkers).toBe(3);
    expect(loadConfig({ NUM_WORKERS: '3' }, ['--num_workers', '2']).numWorkers).toBe(2);
    expect(loadConfig({}, ['--num_workers=4']).numWorkers).toBe(4);
    for (const argv of [
      ['--num_workers'],
      ['--num_workers', '0'],
      ['--num_workers=two'],
      ['--num_workers=65'],
    ])
      expect(() => loadConfig({}, argv)).toThrow(/--num_workers must be a whole number from 1 to 64/);
    expect(() => loadConfig({ NUM_WORKERS: '0' })).toThrow(/NUM_WORKERS must be between 1 and 64/);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
    [{ LITELLM_MASTER_KEY: '1234' }, /LITELLM_MASTER_KEY must start with 'sk-'/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgresql:\/\/ URL/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL must be a redis/],
    [{ MIGRATE_ON_START: 'maybe' }, /MIGRATE_ON_START must be true or false/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
  ])('should reject %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
