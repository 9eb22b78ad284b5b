import { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../src/app.module';
import { setupApp } from '../src/app.setup';
import { loadConfig } from '../src/platform/config/app-config';
import { PrismaService } from '../src/platform/prisma/prisma.service';

export const MASTER_KEY = 'sk-1234';

export interface TestApp {
  app: INestApplication;
  prisma: PrismaService;
  close(): Promise<void>;
}

/** The real app on the test database, optionally with extra test-only controllers. */
export async function createTestApp(
  opts: { env?: Record<string, string | undefined>; controllers?: Type[] } = {},
): Promise<TestApp> {
  // The scheduler stays off unless a test opts in: its jobs act on whole tables of the shared database.
  const config = loadConfig({
    ...process.env,
    LITELLM_MASTER_KEY: MASTER_KEY,
    LOG_LEVEL: 'error',
    SCHEDULER_ENABLED: 'false',
    ...opts.env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.register(config)],
    controllers: opts.controllers ?? [],
  }).compile();
  moduleRef.useLogger(false);
  const app = setupApp(moduleRef.createNestApplication({ logger: false }));
  await app.init();
  return { app, prisma: app.get(PrismaService), close: () => app.close() };
}

let counter = 0;
/** A unique suffix for ids and aliases, so tests can share one database and be re-run. */
export function uniq(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${process.pid.toString(36)}-${counter}`;
}
