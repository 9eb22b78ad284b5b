import cluster, { type Worker } from 'node:cluster';
import type { INestApplication } from '@nestjs/common';
import type { JsonLogger } from './platform/common/logging/json-logger';

/** The message the primary sends a worker to close gracefully. */
const SHUTDOWN = 'litellm-cp:shutdown';
/** A worker that dies is replaced after this long (a crash loop does not spin the CPU). */
const RESTART_DELAY_MS = 1_000;
/** Workers still running this long after the shutdown message are killed. */
const SHUTDOWN_GRACE_MS = 30_000;

export const isWorker = cluster.isWorker;

/**
 * `--num_workers N`: N server processes share the port (node:cluster), each a full app and, to
 * everything shared (the database, Redis, the scheduler's lease, the invalidation bus), one more
 * pod. The primary does what must happen once (embedded database, master key, migrations) and
 * hands the result to the workers in their environment; it serves nothing itself.
 */
export class WorkerSupervisor {
  private readonly workers = new Set<Worker>();
  private stopping = false;

  constructor(
    private readonly count: number,
    private readonly env: Record<string, string>,
    private readonly logger: JsonLogger,
  ) {}

  /** Forks the workers; resolves when every one listens, rejects if one exits before. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      let listening = 0;
      const starting = new Set<Worker>();
      for (let i = 0; i < this.count; i++) {
        const worker = this.fork();
        starting.add(worker);
        worker.once('listening', () => {
          starting.delete(worker);
          if (++listening === this.count) resolve();
        });
        worker.once('exit', (code) => {
          if (starting.has(worker))
            reject(new Error(`worker ${worker.process.pid} exited with ${code} while starting`));
        });
      }
    });
  }

  /** Asks every worker to close, waits for them (killing stragglers after the grace period). */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.workers].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          const hard = setTimeout(() => worker.kill('SIGKILL'), SHUTDOWN_GRACE_MS).unref();
          worker.once('exit', () => {
            clearTimeout(hard);
            resolve();
          });
          if (worker.isConnected()) worker.send(SHUTDOWN);
          else worker.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
  }

  private fork(): Worker {
    const worker = cluster.fork(this.env);
    this.workers.add(worker);
    worker.once('exit', (code, signal) => {
      this.workers.delete(worker);
      if (this.stopping) return;
      this.logger.error(
        { msg: 'worker exited; starting another', pid: worker.process.pid, code, signal },
        'workers',
      );
      setTimeout(() => {
        if (!this.stopping) this.fork();
      }, RESTART_DELAY_MS).unref();
    });
    return worker;
  }
}

/**
 * In a worker, the primary decides when to stop: its shutdown message (or its death, which closes
 * the channel) closes the app. Ctrl-C reaches every process of the terminal's group, so the
 * worker ignores SIGINT/SIGTERM itself and lets the primary drain the workers and then stop the
 * embedded database, in that order.
 */
export function closeWorkerOnPrimaryRequest(app: INestApplication, logger: JsonLogger) {
  let closing = false;
  const close = () => {
    if (closing) return;
    closing = true;
    exitWhenDone(app.close(), logger);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);
  process.on('message', (message) => {
    if (message === SHUTDOWN) close();
  });
  process.on('disconnect', close);
}

/** Exits 0 once `closing` settles, 1 (with the reason logged) if it fails; the log is flushed first. */
export function exitWhenDone(closing: Promise<unknown>, logger: JsonLogger) {
  closing.then(
    () => {
      logger.flush();
      process.exit(0);
    },
    (e: unknown) => {
      logger.error(
        { msg: 'shutdown failed', error: e instanceof Error ? e.message : String(e) },
        'bootstrap',
      );
      logger.flush();
      process.exit(1);
    },
  );
}
