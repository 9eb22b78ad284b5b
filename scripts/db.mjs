// `npm run db`: the embedded PostgreSQL of `npm start`, in the foreground, for `prisma migrate dev`
// (`npm run db:migrate -- --name x` in another terminal). Same data dir and port as the app's default.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { startEmbeddedPostgres } = require('../dist/platform/prisma/embedded-postgres.js');

const dataDir = resolve(process.env.LITELLM_DATA_DIR ?? '.data');
const port = Number(process.env.EMBEDDED_DATABASE_PORT ?? 54320);
const db = await startEmbeddedPostgres({ dir: join(dataDir, 'pg'), port });
console.log(`embedded PostgreSQL ready: DATABASE_URL=${db.url}  (Ctrl-C to stop)`);
setInterval(() => undefined, 1 << 30);
