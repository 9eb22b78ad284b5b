import { query } from './database';
import { describeTwoPods, eventually, POD_MASTER_KEY as MASTER } from './pods';

/**
 * Two real server processes on one database: deleting (or blocking) a team through one pod
 * makes every key of the team fail on the other within a second (LiteLLM issue 34217: keys of
 * a deleted team kept working from the cache).
 */
describeTwoPods('team changes across two app processes', (pair) => {
  const { call, works } = pair;
  const skip = () => pair.skip;

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
    if (skip()) return console.warn(`skipped: ${skip()}`);
    const { teamId, keys } = await teamWithCachedKeys();
    const res = await call(0, 'POST', '/team/delete', MASTER, { team_ids: [teamId] });
    expect(res.status).toBe(200);
    for (const key of keys) {
      const ms = await eventually(async () => !(await works(1, key)), 1000);
      expect(ms).toBeLessThan(1000);
    }
    const archived = await query<{ team_id: string }>(
      pair.databaseUrl,
      'SELECT team_id FROM "LiteLLM_DeletedTeamTable" WHERE team_id = $1',
      [teamId],
    );
    expect(archived).toHaveLength(1);
    const archivedKeys = await query(
      pair.databaseUrl,
      'SELECT token FROM "LiteLLM_DeletedVerificationToken" WHERE team_id = $1',
      [teamId],
    );
    expect(archivedKeys).toHaveLength(2);
  });

  it('should refuse the keys of a team blocked through pod A on pod B within 1 s, and accept them once unblocked', async () => {
    if (skip()) return;
    const { teamId, keys } = await teamWithCachedKeys();
    expect((await call(0, 'POST', '/team/block', MASTER, { team_id: teamId })).status).toBe(200);
    for (const key of keys) await eventually(async () => !(await works(1, key)), 1000);
    expect((await call(1, 'GET', '/key/info', keys[0])).body.error.message).toContain('is blocked');
    expect((await call(0, 'POST', '/team/unblock', MASTER, { team_id: teamId })).status).toBe(200);
    for (const key of keys) await eventually(() => works(1, key), 1000);
  });
});
