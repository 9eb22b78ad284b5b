import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package version; the same relative path works from `src/platform/common` and `dist/platform/common`. */
export const APP_VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }
).version;
