import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { setupApp } from './app.setup';
import { AppConfig, ConfigError, loadConfig } from './platform/config/app-config';
import { loadEnvFile } from './platform/config/env-file';
import { loadOrCreateMasterKey } from './platform/config/master-key';
import { JsonLogger } from './platform/common/logging/json-logger';
import { EmbeddedDatabase, startEmbeddedPostgres } from './platform/prisma/embedded-postgres';
import { runMigrations } from './platform/prisma/migrations';
import { closeWorkerOnPrimaryRequest, exitWhenDone, isWorker, WorkerSupervisor } from './workers';

/** What the ready banner tells the operator, gathered while starting. */
interface StartReport {
  envFile?: string;
  database: string;
  masterKey: { source: 'env' } | { source: 'file'; path: string; generated?: string };
  workers: number;
}

async function bootstrap() {
  const envFile = loadEnvFile(process.cwd(), process.env);
  const config = readConfig();
  const logger = new JsonLogger(config.logLevel);
  if (isWorker) return startWorker(config, logger);
  if (envFile)
    logger.log({ msg: 'read variables from .env (the environment wins)', path: envFile }, 'bootstrap');
  logConfigFile(config, logger);

  let db: EmbeddedDatabase | undefined;
  let database: string;
  if (config.databaseUrl) {
    database = describeDatabase(config.databaseUrl);
    logger.log({ msg: 'using database', database }, 'bootstrap');
  } else {
    const dir = join(config.dataDir, 'pg');
    db = await startEmbeddedPostgres({ dir, port: config.embeddedDatabasePort });
    config.databaseUrl = db.url;
    database = `embedded PostgreSQL in ${dir} (port ${config.embeddedDatabasePort})`;
    logger.log(
      {
        msg: 'using embedded PostgreSQL (no DATABASE_URL set); set DATABASE_URL=postgresql://user:pass@host:5432/db to use your own',
        data_dir: dir,
        port: config.embeddedDatabasePort,
      },
      'bootstrap',
    );
  }

  let masterKey: StartReport['masterKey'] = { source: 'env' };
  if (!config.masterKey) {
    const { key, path, created } = loadOrCreateMasterKey(config.dataDir);
    config.masterKey = key;
    masterKey = { source: 'file', path, generated: created ? key : undefined };
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

  const report: StartReport = { envFile, database, masterKey, workers: config.numWorkers };
  if (config.numWorkers > 1) return startWorkers(config, db, report, logger);
  const app = setupApp(await NestFactory.create(AppModule.register(config), { logger }));
  closeOnSignals(() => app.close(), db, logger);
  await app.listen(config.port, config.host);
  announceReady(config, report, logger);
}

/** One of `--num_workers` processes: the app, started from what the primary resolved. */
async function startWorker(config: AppConfig, logger: JsonLogger) {
  const app = setupApp(await NestFactory.create(AppModule.register(config), { logger }));
  closeWorkerOnPrimaryRequest(app, logger);
  await app.listen(config.port, config.host);
  logger.log({ msg: 'worker listening', pid: process.pid, port: config.port }, 'bootstrap');
}

/**
 * `--num_workers N` > 1: this process starts N workers on the port and supervises them; the
 * database, master key and migrations it resolved reach them through their environment.
 */
async function startWorkers(
  config: AppConfig,
  db: EmbeddedDatabase | undefined,
  report: StartReport,
  logger: JsonLogger,
) {
  const supervisor = new WorkerSupervisor(
    config.numWorkers,
    { DATABASE_URL: config.databaseUrl!, LITELLM_MASTER_KEY: config.masterKey!, MIGRATE_ON_START: 'false' },
    logger,
  );
  closeOnSignals(() => supervisor.stop(), db, logger);
  try {
    await supervisor.start();
  } catch (e) {
    logger.error({ msg: 'a worker did not start', error: (e as Error).message }, 'bootstrap');
    await supervisor.stop();
    await db?.stop();
    logger.flush();
    process.exit(1);
  }
  if (!config.redis)
    logger.warn(
      {
        msg: 'several workers without Redis: rate limits and live budget counters are counted per worker process; set REDIS_URL to share them',
        workers: config.numWorkers,
      },
      'bootstrap',
    );
  announceReady(config, report, logger);
}

/** The `listening` log line, then the banner (the last thing start-up prints). */
function announceReady(config: AppConfig, report: StartReport, logger: JsonLogger) {
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  const workers = report.workers > 1 ? { workers: report.workers } : {};
  logger.log({ msg: 'listening', url, port: config.port, ...workers }, 'bootstrap');
  process.stdout.write(readyBanner(url, report));
}

/**
 * The last thing start-up prints, so it does not scroll away: where to go, and where the master key
 * is. A generated key is shown here once, on the start that generated it, and never logged.
 */
function readyBanner(url: string, report: StartReport): string {
  const key = report.masterKey;
  const lines = [
    '',
    `LiteLLM control plane is ready at ${url}`,
    `  Swagger UI:  ${url}/docs  (Authorize with the master key)`,
    `  Master key:  ${key.source === 'env' ? 'from LITELLM_MASTER_KEY' : `kept in ${key.path} (mode 600)`}`,
    `  Database:    ${report.database}`,
  ];
  if (report.workers > 1) lines.push(`  Workers:     ${report.workers} processes on the one port`);
  if (report.envFile) lines.push(`  Settings:    ${report.envFile} and the environment`);
  if (key.source === 'file' && key.generated) {
    lines.push(
      '',
      'A master key was generated for this installation (shown this once):',
      '',
      `    ${key.generated}`,
      '',
      'Set LITELLM_MASTER_KEY to choose your own.',
    );
  }
  return lines.join('\n') + '\n\n';
}

/**
 * Ctrl-C / SIGTERM: close the app (or the workers) first (requests, scheduler lease, the LISTEN
 * connection, the pool), then stop the embedded database, so nothing sees its connection cut from
 * under it. A second signal while closing ends the process at once.
 */
function closeOnSignals(
  closeServers: () => Promise<void>,
  db: EmbeddedDatabase | undefined,
  logger: JsonLogger,
) {
  const close = (signal: NodeJS.Signals) => {
    logger.log({ msg: `${signal}: shutting down` }, 'bootstrap');
    process.once(signal, () => process.exit(1));
    exitWhenDone(
      closeServers().then(() => db?.stop()),
      logger,
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, close);
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

/** What was read from config.yaml, and the `os.environ/` variables it names that are unset. */
function logConfigFile(config: AppConfig, logger: JsonLogger) {
  const { configPath, models, unsetVariables } = config.gateway;
  if (!configPath) return;
  logger.log({ msg: 'read config file', path: configPath, models: models.length }, 'bootstrap');
  if (unsetVariables.length > 0)
    logger.warn(
      {
        msg: 'config file names environment variables that are not set; those values read as absent',
        variables: unsetVariables,
      },
      'bootstrap',
    );
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
