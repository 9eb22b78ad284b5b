import { resolve } from 'node:path';

/**
 * The one typed configuration. Only `loadConfig` reads the environment; everything else gets
 * an `AppConfig`. Names are LiteLLM's where LiteLLM has one, so an operator's env carries over.
 */
export interface AppConfig {
  /** Unset means: start an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Unset means: generate one on first start and keep it in `dataDir`. */
  masterKey: string | undefined;
  saltKey: string | undefined;
  redis: RedisConfig | undefined;
  port: number;
  host: string;
  dataDir: string;
  embeddedDatabasePort: number;
  migrateOnStart: boolean;
  logLevel: LogLevel;
  /** How long a key lookup stays in the in-process auth cache (invalidation makes it exact). */
  authCacheTtlSeconds: number;
  /** The user id the master key acts as (LiteLLM's `litellm_proxy_admin_name`). */
  proxyAdminId: string;
  storeAuditLogs: boolean;
  disableKeyName: boolean;
  /** Default grace period of regenerated keys (LiteLLM's LITELLM_KEY_ROTATION_GRACE_PERIOD), e.g. "24h". */
  keyRotationGracePeriod: string | undefined;
}

export interface RedisConfig {
  url: string;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A bad environment value: start-up stops with this one line. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, argv: readonly string[] = []): AppConfig {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const masterKey = read('LITELLM_MASTER_KEY');
  if (masterKey !== undefined && !masterKey.startsWith('sk-')) {
    throw new ConfigError('LITELLM_MASTER_KEY', "must start with 'sk-' (LiteLLM's rule for master keys)");
  }
  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgresql:// URL');
  }
  return {
    databaseUrl,
    databasePoolSize: integer(env, 'DATABASE_CONNECTION_POOL_LIMIT', 10, 1, 1000),
    masterKey,
    saltKey: read('LITELLM_SALT_KEY'),
    redis: redisConfig(env),
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: read('HOST') ?? '0.0.0.0',
    dataDir: resolve(read('LITELLM_DATA_DIR') ?? '.data'),
    embeddedDatabasePort: integer(env, 'EMBEDDED_DATABASE_PORT', 54320, 1, 65535),
    migrateOnStart: !argv.includes('--no-migrate') && boolean(env, 'MIGRATE_ON_START', true),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    authCacheTtlSeconds: integer(env, 'DEFAULT_MANAGEMENT_OBJECT_IN_MEMORY_CACHE_TTL', 60, 0, 86_400),
    proxyAdminId: read('PROXY_ADMIN_ID') ?? 'default_user_id',
    storeAuditLogs: boolean(env, 'LITELLM_STORE_AUDIT_LOGS', true),
    disableKeyName: boolean(env, 'DISABLE_KEY_NAME', false),
    keyRotationGracePeriod: read('LITELLM_KEY_ROTATION_GRACE_PERIOD'),
  };
}

function redisConfig(env: Env): RedisConfig | undefined {
  const url = env.REDIS_URL?.trim();
  if (url) {
    if (!/^rediss?:\/\//.test(url)) throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
    return { url };
  }
  const host = env.REDIS_HOST?.trim();
  if (!host) return undefined;
  const port = integer(env, 'REDIS_PORT', 6379, 1, 65535);
  const password = env.REDIS_PASSWORD?.trim();
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  return { url: `redis://${auth}${host}:${port}` };
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if ((values as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${env[name]}"`);
}
