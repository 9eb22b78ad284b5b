import { createTestApp, type TestApp } from './app.factory';
import { tcpAnswers } from './pods';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The two transports of the invalidation bus, for `describe.each`: name, and the env that picks it. */
export const BUS_TRANSPORTS: [string, Record<string, string | undefined>][] = [
  ['postgres LISTEN/NOTIFY', { REDIS_URL: undefined, REDIS_HOST: undefined }],
  ['redis pub/sub', { REDIS_URL: TEST_REDIS_URL }],
];

export interface TwoApps {
  readonly podA: TestApp;
  readonly podB: TestApp;
  /** True when the transport asked for is Redis and no Redis answers (the tests then return early). */
  readonly skip: boolean;
}

/**
 * Two app instances ("pods") on one database, started in the calling `describe`'s `beforeAll` with
 * `env` and closed after it: what every cross-pod invalidation test needs.
 */
export function useTwoApps(env: Record<string, string | undefined>): TwoApps {
  let podA: TestApp | undefined;
  let podB: TestApp | undefined;
  let skip = false;
  beforeAll(async () => {
    if (env.REDIS_URL && !(await tcpAnswers(env.REDIS_URL, 6379))) {
      skip = true;
      return;
    }
    podA = await createTestApp({ env });
    podB = await createTestApp({ env });
  });
  afterAll(async () => {
    await podA?.close();
    await podB?.close();
  });
  const started = (pod: TestApp | undefined) => {
    if (!pod) throw new Error('the two apps are not started (use them inside a test, after checking skip)');
    return pod;
  };
  return {
    get podA() {
      return started(podA);
    },
    get podB() {
      return started(podB);
    },
    get skip() {
      return skip;
    },
  };
}
