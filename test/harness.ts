import type { INestApplication, Type } from '@nestjs/common';
import request from 'supertest';
import { runMigrations } from '../src/platform/prisma/migrations';
import type { PrismaService } from '../src/platform/prisma/prisma.service';
import { createTestApp, MASTER_KEY, TestApp } from './app.factory';
import { createEmptyDatabase } from './database';
import { bearer } from './factories';
import { ACTORS, ActorName, createWorld, World } from './world';

export type Headers = Record<string, string>;

/** What an e2e file works with: one app per file, its Prisma client, and request helpers. */
export interface E2e {
  readonly app: INestApplication;
  readonly prisma: PrismaService;
  /** The behaviour-pin world; only with `useE2e({ world: true })`. */
  readonly world: World;
  /** The environment the app was started with on top of process.env (DATABASE_URL of a fresh database). */
  readonly env: Record<string, string | undefined>;
  /** The master key's headers. */
  readonly master: Headers;
  /** A supertest agent on the app's server. */
  http(): ReturnType<typeof request>;
  /** Bearer headers for a raw key, or for a world actor's key (by actor name). */
  as(keyOrActor: ActorName | (string & {})): Headers;
  get(path: string, headers?: Headers): request.Test;
  delete(path: string, headers?: Headers): request.Test;
  post(path: string, body?: unknown, headers?: Headers): request.Test;
  put(path: string, body?: unknown, headers?: Headers): request.Test;
  patch(path: string, body?: unknown, headers?: Headers): request.Test;
}

export interface E2eOptions {
  env?: Record<string, string | undefined>;
  controllers?: Type[];
  /** Seed the behaviour-pin world once the app is up. */
  world?: boolean;
  /**
   * Run the app on its own empty, migrated database (this name prefix), dropped after the file:
   * for tests whose subject acts on whole tables (the scheduler's jobs) or counts every row.
   */
  freshDatabase?: string;
}

/**
 * The one e2e harness: registers `beforeAll` (start the app on the test database, optionally seed
 * the world) and `afterAll` (close it) in the calling `describe`, and returns helpers that read
 * the app lazily, so they can be set up at `describe` time. Requests default to the master key.
 */
export function useE2e(opts: E2eOptions = {}): E2e {
  let t: TestApp | undefined;
  let w: World | undefined;
  let env: Record<string, string | undefined> = { ...opts.env };
  let drop: (() => Promise<void>) | undefined;
  const started = (): TestApp => {
    if (!t) throw new Error('the e2e app is not started (use the harness inside a test or hook)');
    return t;
  };
  const master = bearer(MASTER_KEY);
  const http = () => request(started().app.getHttpServer());
  const withBody = (req: request.Test, headers: Headers, body: unknown) =>
    body === undefined ? req.set(headers) : req.set(headers).send(body as object);
  const actors: readonly string[] = ACTORS;

  beforeAll(async () => {
    if (opts.freshDatabase) {
      const db = await createEmptyDatabase(opts.freshDatabase);
      drop = db.drop;
      await runMigrations(db.url);
      env = { ...env, DATABASE_URL: db.url };
    }
    t = await createTestApp({ env, controllers: opts.controllers });
    if (opts.world) w = await createWorld(t.prisma);
  });
  afterAll(async () => {
    await t?.close();
    t = undefined;
    await drop?.();
  });

  return {
    get app() {
      return started().app;
    },
    get prisma() {
      return started().prisma;
    },
    get world() {
      if (!w) throw new Error('no world: use useE2e({ world: true })');
      return w;
    },
    get env() {
      return env;
    },
    master,
    http,
    as: (who) => {
      if (!actors.includes(who)) return bearer(who);
      if (!w) throw new Error(`${who} is a world actor, but there is no world: use useE2e({ world: true })`);
      return bearer(w.actors[who as ActorName].key);
    },
    get: (path, headers = master) => http().get(path).set(headers),
    delete: (path, headers = master) => http().delete(path).set(headers),
    post: (path, body, headers = master) => withBody(http().post(path), headers, body),
    put: (path, body, headers = master) => withBody(http().put(path), headers, body),
    patch: (path, body, headers = master) => withBody(http().patch(path), headers, body),
  };
}
