import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A newcomer starts without LITELLM_MASTER_KEY: generate one once and keep it beside the data
 * (mode 600), so restarts and Swagger's Authorize keep working. Safe when several processes
 * start at once: the first writer wins and the others read its key.
 */
export function loadOrCreateMasterKey(dataDir: string): { key: string; path: string; created: boolean } {
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const path = join(dataDir, 'master_key');
  const key = `sk-${randomBytes(24).toString('base64url')}`;
  try {
    writeFileSync(path, key + '\n', { flag: 'wx', mode: 0o600 });
    return { key, path, created: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const existing = readFileSync(path, 'utf8').trim();
    if (!existing.startsWith('sk-'))
      throw new Error(`${path} does not hold a master key starting with 'sk-'`, { cause: e });
    return { key: existing, path, created: false };
  }
}
