import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvFile } from './env-file';

describe('loadEnvFile', () => {
  const dirWith = (text?: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'env-file-'));
    if (text !== undefined) writeFileSync(join(dir, '.env'), text);
    return dir;
  };

  it('should add the variables of .env, with comments, quotes and export-less lines', () => {
    const env: Record<string, string | undefined> = {};
    const dir = dirWith('# a comment\nPORT=4100\nLITELLM_MASTER_KEY="sk-from file"\n\nEMPTY=\n');
    expect(loadEnvFile(dir, env)).toBe(join(dir, '.env'));
    expect(env).toEqual({ PORT: '4100', LITELLM_MASTER_KEY: 'sk-from file', EMPTY: '' });
  });

  it('should let the process environment win over the file', () => {
    const env: Record<string, string | undefined> = { PORT: '5000' };
    loadEnvFile(dirWith('PORT=4100\nHOST=127.0.0.1\n'), env);
    expect(env).toEqual({ PORT: '5000', HOST: '127.0.0.1' });
  });

  it('should change nothing where there is no .env', () => {
    const env: Record<string, string | undefined> = { PORT: '5000' };
    expect(loadEnvFile(dirWith(), env)).toBeUndefined();
    expect(env).toEqual({ PORT: '5000' });
  });
});
