import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { setupApp } from './app.setup';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { loadOrCreateMasterKey } from './config/master-key';
import { JsonLogger } from './common/logging/json-logger';
import { startEmbeddedPostgres } from './prisma/embedded-postgres';
import { runMigrations } from './prisma/migrations';

async function bootstrap() {
  const config = readConfig();
  const logger = new JsonLogger(config.logLevel);

  if (config.databaseUrl) {
    logger.log({ msg: 'using database', database: describeDatabase(config.databaseUrl) }, 'bootstrap');
  } else {
    const dir = join(config.dataDir, 'pg');
    const db = await startEmbeddedPostgres({ dir, port: config.embeddedDatabasePort });
    config.databaseUrl = db.url;
    logger.log(
      {
        msg: 'using embedded PostgreSQL (no DATABASE_URL set); set DATABASE_URL=postgresql://user:pass@host:5432/db to use your own',
        data_dir: dir,
        port: config.embeddedDatabasePort,
      },
      'bootstrap',
    );
  }

  if (!config.masterKey) {
    const { key, path, created } = loadOrCreateMasterKey(config.dataDir);
    config.masterKey = key;
    if (created) {
      // Printed once, on the run that generated it; never logged again.
      process.stdout.write(
        `\nGenerated a master key (saved in ${path}, mode 600):\n\n    ${key}\n\nUse it with Swagger's Authorize button, or set LITELLM_MASTER_KEY to choose your own.\n\n`,
      );
    } else {
      logger.log({ msg: 'using the master key saved in the data directory', path }, 'bootstrap');
    }
  }

  if (config.migrateOnStart) {
    const started = Date.now();
    const { baselined } = await runMigrations(config.databaseUrl);
    logger.log(
      { msg: 'database migrated', baselined_litellm_database: baselined, ms: Date.now() - started },
      'bootstrap',
    );
  } else {
    logger.log(
      {
        msg: 'skipping migrations (MIGRATE_ON_START=false or --no-migrate); run `npm run db:deploy` as a release step',
      },
      'bootstrap',
    );
  }

  const app = setupApp(await NestFactory.create(AppModule.register(config), { logger }));
  await app.listen(config.port, config.host);
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  logger.log({ msg: `listening; Swagger UI at ${url}/docs`, port: config.port }, 'bootstrap');
}

function readConfig(): AppConfig {
  try {
    return loadConfig(process.env, process.argv.slice(2));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      process.exit(1);
    }
    throw e;
  }
}

/** host:port/database, without credentials. */
function describeDatabase(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

bootstrap().catch((e: unknown) => {
  process.stderr.write(`Start-up failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
