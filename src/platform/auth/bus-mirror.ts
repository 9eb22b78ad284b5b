import { Logger } from '@nestjs/common';
import type { InvalidationBus } from './invalidation-bus';

/** The bus scopes that name a whole table kept in memory on every pod. */
export type MirroredScope = 'models' | 'mcp';

/**
 * A table every pod keeps in memory (the model registry, the MCP servers): `load` reads it again;
 * a write anywhere is announced on the invalidation bus and every pod reloads within a second; a
 * reconnect of the bus reloads too (messages may have been missed). Reloads asked for while one
 * runs are folded into one more after it, so a burst of writes costs two reads.
 */
export class BusMirror {
  private readonly logger: Logger;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;

  constructor(
    private readonly bus: InvalidationBus,
    private readonly scope: MirroredScope,
    private readonly load: () => Promise<void>,
    /** What the table is, for log lines ("the model table"). */
    private readonly what: string,
  ) {
    this.logger = new Logger(`mirror:${scope}`);
  }

  /** Subscribes, then loads once. */
  async start(): Promise<void> {
    await this.bus.start(
      (message) => {
        if (message.scope === this.scope || message.scope === 'all') this.reloadInBackground();
      },
      () => this.reloadInBackground(),
    );
    await this.reload();
  }

  /**
   * After a committed write: this pod reloads now, the others on the bus message. Never throws: the
   * write has committed, so a failed announcement or reload is logged, not answered as a failure.
   */
  async changed(): Promise<void> {
    try {
      await this.bus.publish({ scope: this.scope });
    } catch (e) {
      this.logger.error({ msg: `could not announce a change of ${this.what}`, error: (e as Error).message });
    }
    await this.reload().catch((e: unknown) =>
      this.logger.error({ msg: `could not reload ${this.what}`, error: (e as Error).message }),
    );
  }

  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.reloadLoop().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async reloadLoop(): Promise<void> {
    do {
      this.reloadAgain = false;
      await this.load();
    } while (this.reloadAgain);
  }

  private reloadInBackground() {
    this.reload().catch((e: unknown) =>
      this.logger.error({ msg: `could not reload ${this.what}`, error: (e as Error).message }),
    );
  }
}
