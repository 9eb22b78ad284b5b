import { existsSync } from 'node:fs';
import { createEmptyDatabase, query } from './database';
import { eventually, MAIN_JS, startPods, tcpAnswers } from './pods';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MASTER = 'sk-1234';

/**
 * Two real server processes on one database: deleting (or blocking) a team through one pod
 * makes every key of the team fail on the other within a second (LiteLLM issue 34217: keys of
 * a deleted team kept working from the cache).
 */
describe.each([
  ['redis', true],
  ['postgres notify', false],
])('team changes across two app processes (%s invalidation)', (_name, useRedis) => {
  let ctx: Awaited<ReturnType<typeof startPods>> | undefined;
  let db: Awaited<ReturnType<typeof createEmptyDatabase>> | undefined;
  let skip = '';

  beforeAll(async () => {
    if (!existsSync(MAIN_JS)) skip = 'dist/main.js not built';
    else if (useRedis && !(await tcpAnswers(REDIS_URL, 6379))) skip = `no Redis at ${REDIS_URL}`;
    if (skip) return;
    db = await createEmptyDatabase('cp_team_pods');
    ctx = await startPods(2, {
      DATABASE_URL: db.url,
      LITELLM_MASTER_KEY: MASTER,
      REDIS_URL: useRedis ? REDIS_URL : '',
    });
  }, 90_000);
  afterAll(async () => {
    await ctx?.stop();
    await db?.drop();
  });

  const call = async (pod: number, method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${ctx!.pods[pod].url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const works = async (pod: number, key: string) => (await call(pod, 'GET', '/key/info', key)).status === 200;

  /** A team with two members, each holding a team key that pod B has cached. */
  async function teamWithCachedKeys() {
    const teamId = `team-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    expect(
      (
        await call(0, 'POST', '/team/new', MASTER, {
          team_id: teamId,
          members_with_roles: [
            { user_id: `${teamId}-admin`, role: 'admin' },
            { user_id: `${teamId}-member`, role: 'user' },
          ],
        })
      ).status,
    ).toBe(200);
    const keys: string[] = [];
    for (const owner of ['admin', 'member']) {
      const { status, body } = await call(0, 'POST', '/key/generate', MASTER, {
        team_id: teamId,
        user_id: `${teamId}-${owner}`,
      });
      expect(status).toBe(200);
      keys.push(body.key as string);
      expect(await works(1, body.key as string)).toBe(true);
    }
    return { teamId, keys };
  }

  it('should refuse every key of a team deleted through pod A on pod B within 1 s, with the archive written', async () => {
    if (skip) return console.warn(`skipped: ${skip}`);
    const { teamId, keys } = await teamWithCachedKeys();
    const res = await call(0, 'POST', '/team/delete', MASTER, { team_ids: [teamId] });
    expect(res.status).toBe(200);
    for (const key of keys) {
      const ms = await eventually(async () => !(await works(1, key)), 1000);
      expect(ms).toBeLessThan(1000);
    }
    const archived = await query<{ team_id: string }>(
      db!.url,
      'SELECT team_id FROM "LiteLLM_DeletedTeamTable" WHERE team_id = $1',
      [teamId],
    );
    expect(archived).toHaveLength(1);
    const archivedKeys = await query(
      db!.url,
      'SELECT token FROM "LiteLLM_DeletedVerificationToken" WHERE team_id = $1',
      [teamId],
    );
    expect(archivedKeys).toHaveLength(2);
  });

  it('should refuse the keys of a team blocked through pod A on pod B within 1 s, and accept them once unblocked', async () => {
    if (skip) return;
    const { teamId, keys } = await teamWithCachedKeys();
    expect((await call(0, 'POST', '/team/block', MASTER, { team_id: teamId })).status).toBe(200);
    for (const key of keys) await eventually(async () => !(await works(1, key)), 1000);
    expect((await call(1, 'GET', '/key/info', keys[0])).body.error.message).toContain('is blocked');
    expect((await call(0, 'POST', '/team/unblock', MASTER, { team_id: teamId })).status).toBe(200);
    for (const key of keys) await eventually(() => works(1, key), 1000);
  });
});
