import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import type { LogLevel } from './log-levels';
import { currentRequestId } from './request-context';

/**
 * Nest's own start-up chatter (a line per module and per route, ~140 in all) is debug: at info the
 * start-up log stays short enough that the ready banner is still on screen.
 */
const NEST_BOOT_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * Defence in depth: callers log chosen fields, never raw headers or bodies, but should a
 * credential still reach a logged object, pino writes `[Redacted]` in its place. Only named paths:
 * each `*` wildcard path would cost pino a redaction pass over every field of every line (five of
 * them made the per-request line about four times slower), while a named path costs nothing when
 * the field is absent.
 */
const REDACTED_PATHS = [
  ...['authorization', '["x-litellm-api-key"]', 'key', 'api_key', 'master_key'],
  ...['headers.authorization', 'headers["x-litellm-api-key"]'],
  ...['req.headers.authorization', 'req.headers["x-litellm-api-key"]'],
  ...['body.key', 'body.api_key', 'body.master_key'],
  ...['details.key', 'details.api_key', 'details.master_key'],
];

/**
 * Nest's `LoggerService` on pino: one JSON object per line on stdout,
 * `{"level","time","context","request_id","msg",...fields}` with `level` as a label
 * (`debug`/`info`/`warn`/`error`) and `time` as an ISO string. The request id of the current
 * request is added automatically. Writes are synchronous (pino's default destination), so a line
 * is out before the next statement runs and nothing is lost on `process.exit`.
 *
 * `write` replaces stdout, for tests: it receives each line without its newline.
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Pino;

  constructor(minLevel: LogLevel = 'info', write?: (line: string) => void) {
    const destination: DestinationStream = write
      ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) }
      : pino.destination({ dest: 1, sync: true });
    this.pino = pino(
      {
        level: minLevel,
        base: undefined, // no pid or hostname: the same fields as before pino
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }), log: bigintsAsStrings },
        redact: REDACTED_PATHS,
      },
      destination,
    );
  }

  log(message: unknown, ...rest: unknown[]) {
    this.emit('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.emit('debug', message, rest);
  }

  /** Writes whatever the destination still holds (nothing, while writes are synchronous). */
  flush() {
    this.pino.flush();
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]) {
    // Nest passes (message, context) or (message, stack, context); the context is last.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    if (level === 'info' && context && NEST_BOOT_CONTEXTS.has(context)) level = 'debug';
    if (!this.pino.isLevelEnabled(level)) return;
    if (context !== undefined) rest = rest.slice(0, -1);
    const entry: Record<string, unknown> = { context };
    const requestId = currentRequestId();
    if (requestId) entry.request_id = requestId;
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.stack = message.stack;
    } else if (message !== null && typeof message === 'object') {
      Object.assign(entry, message);
    } else {
      entry.msg = String(message);
    }
    for (const extra of rest) {
      if (typeof extra === 'string') entry.stack = extra;
      else if (extra && typeof extra === 'object') Object.assign(entry, extra);
    }
    this.pino[level](entry);
  }
}

/** Bigints (Prisma counts, say) as JSON strings, as before pino; pino would write bare numbers. */
function bigintsAsStrings(entry: Record<string, unknown>): Record<string, unknown> {
  return hasBigint(entry, 0) ? (bigintAsString(entry, 0) as Record<string, unknown>) : entry;
}

function hasBigint(value: unknown, depth: number): boolean {
  if (typeof value === 'bigint') return true;
  if (!isPlain(value) || depth > 8) return false;
  return Object.values(value).some((v) => hasBigint(v, depth + 1));
}

function bigintAsString(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (!isPlain(value) || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => bigintAsString(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bigintAsString(v, depth + 1)]));
}

/** Arrays and object literals: the shapes callers build; class instances serialize themselves. */
function isPlain(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}
