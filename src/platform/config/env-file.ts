import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Reads `.env` from `dir` into `env`, as LiteLLM does at start: a variable already set in the
 * process environment wins over the file. Returns the file's path, or undefined when there is none.
 */
export function loadEnvFile(dir: string, env: Record<string, string | undefined>): string | undefined {
  const path = join(dir, '.env');
  if (!existsSync(path)) return undefined;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
  return path;
}
