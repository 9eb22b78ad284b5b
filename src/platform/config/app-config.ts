import { resolve } from 'node:path';
import { isValidDuration, parseResetTime } from '../common/duration';
import { isValidTimeZone } from '../common/wall-clock';
import { LOG_LEVELS, LogLevel } from '../common/logging/log-levels';
import { ConfigError } from './config-error';
import { GatewayConfig, loadGatewayConfig } from './gateway-config';

export type { GatewayConfig, LogLevel };

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
  /** Server processes on the one port (LiteLLM's `--num_workers` / NUM_WORKERS; each is a pod). */
  numWorkers: number;
  logLevel: LogLevel;
  /** How long a key lookup stays in the in-process auth cache (invalidation makes it exact). */
  authCacheTtlSeconds: number;
  /** The user id the master key acts as (LiteLLM's `litellm_proxy_admin_name`). */
  proxyAdminId: string;
  storeAuditLogs: boolean;
  disableKeyName: boolean;
  /** Swagger UI keeps the pasted key in the browser's localStorage (off: a key is not left behind). */
  swaggerPersistAuthorization: boolean;
  /** Default grace period of regenerated keys (LiteLLM's LITELLM_KEY_ROTATION_GRACE_PERIOD), e.g. "24h". */
  keyRotationGracePeriod: string | undefined;
  scheduler: SchedulerConfig;
  cors: CorsConfig;
  /** LiteLLM's config.yaml (`--config` / CONFIG_FILE_PATH): the model list and the router's settings. */
  gateway: GatewayConfig;
}

/** Browser access (LiteLLM's LITELLM_CORS_ORIGINS / LITELLM_CORS_ALLOW_CREDENTIALS). */
export interface CorsConfig {
  /** `'*'` answers every origin; otherwise only these. */
  origins: '*' | string[];
  /** Never with `'*'`: a browser must not send cookies to any site that asks. */
  allowCredentials: boolean;
}

/** The scheduled module (cron lease + jobs). LiteLLM's env names where LiteLLM has one. */
export interface SchedulerConfig {
  /** This instance may become the leader and run jobs (false: never lead). */
  enabled: boolean;
  leaseTtlSeconds: number;
  renewSeconds: number;
  /** Window of the budget reset job (LiteLLM's PROXY_BUDGET_RESCHEDULER_MIN_TIME). */
  budgetResetWindowSeconds: number;
  budgetResetEnabled: boolean;
  /** IANA zone and "HH:MM" of calendar-aligned budget resets (LiteLLM's litellm_settings.timezone / budget_reset_time). */
  budgetResetTimeZone: string;
  budgetResetTime: string;
  keyRotationEnabled: boolean;
  keyRotationWindowSeconds: number;
  deprecatedKeyCleanupEnabled: boolean;
  deprecatedKeyCleanupWindowSeconds: number;
  /** Spend logs older than this are deleted; unset keeps them forever. */
  spendLogRetentionPeriod: string | undefined;
  spendLogRetentionWindowSeconds: number;
  /** The MCP health job: every served MCP server checked once per window, its row updated. */
  mcpHealthCheckEnabled: boolean;
  mcpHealthCheckWindowSeconds: number;
  batchSize: number;
  /** How many reset statements run at once (row updates scale with cores). */
  parallelism: number;
}

export interface RedisConfig {
  url: string;
}

export { ConfigError };

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, argv: readonly string[] = []): AppConfig {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const { gateway, generalSettings } = loadGatewayConfig(env, argv);
  // The environment wins over general_settings in config.yaml, as an operator expects of an override.
  const fromFile = (field: string) => `general_settings.${field} in ${gateway.configPath}`;
  const masterKey = read('LITELLM_MASTER_KEY') ?? generalSettings.masterKey;
  if (masterKey !== undefined && !masterKey.startsWith('sk-')) {
    const source = read('LITELLM_MASTER_KEY') ? 'LITELLM_MASTER_KEY' : fromFile('master_key');
    throw new ConfigError(source, "must start with 'sk-' (LiteLLM's rule for master keys)");
  }
  const databaseUrl = read('DATABASE_URL') ?? generalSettings.databaseUrl;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const source = read('DATABASE_URL') ? 'DATABASE_URL' : fromFile('database_url');
    throw new ConfigError(source, 'must be a postgresql:// URL');
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
    numWorkers: numWorkersOf(env, argv),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    authCacheTtlSeconds: integer(env, 'DEFAULT_MANAGEMENT_OBJECT_IN_MEMORY_CACHE_TTL', 60, 0, 86_400),
    proxyAdminId: read('PROXY_ADMIN_ID') ?? 'default_user_id',
    storeAuditLogs: boolean(env, 'LITELLM_STORE_AUDIT_LOGS', true),
    disableKeyName: boolean(env, 'DISABLE_KEY_NAME', false),
    swaggerPersistAuthorization: boolean(env, 'SWAGGER_PERSIST_AUTHORIZATION', false),
    keyRotationGracePeriod: read('LITELLM_KEY_ROTATION_GRACE_PERIOD'),
    scheduler: schedulerConfig(env, read),
    cors: corsConfig(env, read),
    gateway,
  };
}

function corsConfig(env: Env, read: (name: string) => string | undefined): CorsConfig {
  const listed = (read('LITELLM_CORS_ORIGINS') ?? '*')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  const origins = listed.length === 0 || listed.includes('*') ? '*' : listed;
  for (const origin of origins === '*' ? [] : origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      throw new ConfigError(
        'LITELLM_CORS_ORIGINS',
        `must list origins such as "https://admin.example.com", got "${origin}"`,
      );
  }
  return {
    origins,
    allowCredentials: origins !== '*' && boolean(env, 'LITELLM_CORS_ALLOW_CREDENTIALS', false),
  };
}

function schedulerConfig(env: Env, read: (name: string) => string | undefined): SchedulerConfig {
  const { leaseTtlSeconds, renewSeconds } = leaseTimes(env);
  const minTime = integer(env, 'PROXY_BUDGET_RESCHEDULER_MIN_TIME', 597, 1, 86_400);
  const maxTime = integer(env, 'PROXY_BUDGET_RESCHEDULER_MAX_TIME', Math.max(605, minTime), 1, 86_400);
  if (maxTime < minTime) {
    throw new ConfigError(
      'PROXY_BUDGET_RESCHEDULER_MAX_TIME',
      `must be >= PROXY_BUDGET_RESCHEDULER_MIN_TIME (${minTime}), got ${maxTime}`,
    );
  }
  const retention = spendLogRetention(read);
  const { timeZone, resetTime } = budgetResetClock(read);
  return {
    enabled: boolean(env, 'SCHEDULER_ENABLED', true),
    leaseTtlSeconds,
    renewSeconds,
    budgetResetWindowSeconds: minTime,
    budgetResetEnabled: !boolean(env, 'DISABLE_BUDGET_RESET_JOB', false),
    budgetResetTimeZone: timeZone,
    budgetResetTime: resetTime,
    keyRotationEnabled: boolean(env, 'LITELLM_KEY_ROTATION_ENABLED', false),
    keyRotationWindowSeconds: integer(
      env,
      'LITELLM_KEY_ROTATION_CHECK_INTERVAL_SECONDS',
      86_400,
      1,
      31_536_000,
    ),
    deprecatedKeyCleanupEnabled: !boolean(env, 'DISABLE_DEPRECATED_KEY_CLEANUP_JOB', false),
    deprecatedKeyCleanupWindowSeconds: integer(
      env,
      'DEPRECATED_KEY_CLEANUP_INTERVAL_SECONDS',
      3_600,
      1,
      31_536_000,
    ),
    spendLogRetentionPeriod: retention,
    spendLogRetentionWindowSeconds: integer(
      env,
      'MAXIMUM_SPEND_LOGS_RETENTION_INTERVAL_SECONDS',
      86_400,
      1,
      31_536_000,
    ),
    mcpHealthCheckEnabled: !boolean(env, 'DISABLE_MCP_HEALTH_CHECK_JOB', false),
    mcpHealthCheckWindowSeconds: integer(env, 'MCP_HEALTH_CHECK_INTERVAL_SECONDS', 300, 10, 31_536_000),
    batchSize: integer(env, 'SCHEDULER_BATCH_SIZE', 10_000, 1, 1_000_000),
    parallelism: integer(env, 'SCHEDULER_PARALLELISM', 2, 1, 32),
  };
}

/** The cron lease's life and how often its holder renews it (well before it expires). */
function leaseTimes(env: Env): { leaseTtlSeconds: number; renewSeconds: number } {
  const leaseTtlSeconds = integer(env, 'DEFAULT_CRON_JOB_LOCK_TTL_SECONDS', 60, 1, 86_400);
  const renewSeconds = number(env, 'CRON_JOB_LOCK_RENEW_SECONDS', leaseTtlSeconds / 3, 0.05, leaseTtlSeconds);
  if (renewSeconds >= leaseTtlSeconds) {
    throw new ConfigError(
      'CRON_JOB_LOCK_RENEW_SECONDS',
      `must be shorter than DEFAULT_CRON_JOB_LOCK_TTL_SECONDS (${leaseTtlSeconds})`,
    );
  }
  return { leaseTtlSeconds, renewSeconds };
}

/** MAXIMUM_SPEND_LOGS_RETENTION_PERIOD as a duration (a bare number means days, as LiteLLM). */
function spendLogRetention(read: (name: string) => string | undefined): string | undefined {
  const retention = read('MAXIMUM_SPEND_LOGS_RETENTION_PERIOD');
  if (retention === undefined) return undefined;
  const duration = /^\d+$/.test(retention) ? `${retention}d` : retention;
  if (!isValidDuration(duration)) {
    throw new ConfigError(
      'MAXIMUM_SPEND_LOGS_RETENTION_PERIOD',
      `must be a duration such as "30d", got "${retention}"`,
    );
  }
  return duration;
}

/** Where budget resets fall: a time of day in a time zone. */
function budgetResetClock(read: (name: string) => string | undefined): {
  timeZone: string;
  resetTime: string;
} {
  const timeZone = read('BUDGET_RESET_TIMEZONE') ?? 'UTC';
  if (!isValidTimeZone(timeZone))
    throw new ConfigError(
      'BUDGET_RESET_TIMEZONE',
      `must be an IANA time zone such as "Europe/Berlin", got "${timeZone}"`,
    );
  const resetTime = read('BUDGET_RESET_TIME') ?? '00:00';
  try {
    parseResetTime(resetTime);
  } catch {
    throw new ConfigError('BUDGET_RESET_TIME', `must be "HH:MM", got "${resetTime}"`);
  }
  return { timeZone, resetTime };
}

function number(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `must be a number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
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

/** `--num_workers N` or `--num_workers=N` (the last wins), else NUM_WORKERS, else 1. */
function numWorkersOf(env: Env, argv: readonly string[]): number {
  let flag: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--num_workers=')) flag = argv[i].slice('--num_workers='.length);
    else if (argv[i] === '--num_workers') flag = argv[++i] ?? '';
  }
  if (flag === undefined) return integer(env, 'NUM_WORKERS', 1, 1, MAX_WORKERS);
  if (!/^\d+$/.test(flag) || Number(flag) < 1 || Number(flag) > MAX_WORKERS)
    throw new ConfigError('--num_workers', `must be a whole number from 1 to ${MAX_WORKERS}, got "${flag}"`);
  return Number(flag);
}

const MAX_WORKERS = 64;

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
