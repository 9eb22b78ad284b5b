import { Injectable, OnApplicationShutdown, BeforeApplicationShutdown } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { RedisService } from '../redis/redis.module';
import { APP_VERSION } from '../common/version';

export interface ReadinessReport {
  status: string;
  db: 'connected' | 'disconnected';
  cache: string | null;
  litellm_version: string;
  success_callbacks: string[];
  use_aiohttp_transport: boolean;
  last_updated: string;
}

const DB_CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class HealthService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private shuttingDown = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
  ) {}

  beforeApplicationShutdown() {
    this.shuttingDown = true;
  }

  onApplicationShutdown() {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** LiteLLM's readiness body: `status` carries the database status (a LiteLLM quirk we keep). */
  async readiness(): Promise<ReadinessReport> {
    const db = (await this.databaseReachable()) ? 'connected' : 'disconnected';
    return {
      status: db,
      db,
      cache: this.redis.enabled ? 'redis' : null,
      litellm_version: APP_VERSION,
      success_callbacks: [],
      use_aiohttp_transport: false,
      last_updated: new Date().toISOString(),
    };
  }

  private async databaseReachable(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), DB_CHECK_TIMEOUT_MS);
    });
    const probe = this.prisma.$queryRaw`SELECT 1`.then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
