import { SchedulerRegistry } from '@nestjs/schedule';
import { loadConfig } from '../src/platform/config/app-config';
import { CronLeaseService, LEADER_LEASE, LeaseLostError } from '../src/scheduler/cron-lease.service';
import { JobRunsService, windowStart } from '../src/scheduler/job-runs.service';
import { BudgetResetJob } from '../src/scheduler/jobs/budget-reset.job';
import { DeprecatedKeyCleanupJob } from '../src/scheduler/jobs/deprecated-key-cleanup.job';
import { KeyRotationJob } from '../src/scheduler/jobs/key-rotation.job';
import { SCHEDULER_TICK, SchedulerService } from '../src/scheduler/scheduler.service';
import { createTestApp, MASTER_KEY } from './app.factory';
import {
  bearer,
  createBudget,
  createCustomer,
  createDeprecatedKey,
  createKey,
  createOrganization,
  createTag,
  createTeam,
  createUser,
  setTeamMembership,
  updateKey,
} from './factories';
import { useE2e } from './harness';
import { eventually } from './pods';

const DAY = 86_400_000;

/** The scheduler on its own empty database (its jobs act on whole tables). */
describe('scheduler: cron lease, run records and jobs', () => {
  const h = useE2e({
    freshDatabase: 'cp_sched',
    env: {
      // The tests drive leases and windows themselves; the app's own beat would run the same jobs
      // concurrently (budget resets deadlocking with the test's, counts moved under it).
      SCHEDULER_ENABLED: 'false',
      DEFAULT_CRON_JOB_LOCK_TTL_SECONDS: '1',
      CRON_JOB_LOCK_RENEW_SECONDS: '0.3',
      LITELLM_KEY_ROTATION_ENABLED: 'true',
    },
  });

  /** A second "pod": its own lease identity on the same database. */
  const otherPod = () => new CronLeaseService(loadConfig({ ...process.env, ...h.env }), h.prisma);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  describe('lease', () => {
    it('should let exactly one pod hold a lease, and hand it over with a higher generation after the TTL', async () => {
      const a = otherPod();
      const b = otherPod();
      const job = `lease-test-${Date.now()}`;
      const leaseA = await a.acquire(job);
      expect(leaseA).toBeDefined();
      expect(await b.acquire(job)).toBeUndefined();
      expect(await a.renew(leaseA!, job)).toBe(true);
      await sleep(1100);
      const leaseB = await b.acquire(job);
      expect(leaseB!.generation).toBe(leaseA!.generation + 1n);
      expect(await a.renew(leaseA!, job)).toBe(false);
      await expect(h.prisma.$transaction((tx) => a.fence(tx, leaseA!, job))).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await h.prisma.$transaction((tx) => b.fence(tx, leaseB!, job));
      await b.release(leaseB!, job);
      expect(await a.acquire(job)).toBeDefined();
    });

    it('should never give a lease to two pods racing for it', async () => {
      const job = `race-${Date.now()}`;
      const pods = Array.from({ length: 10 }, otherPod);
      const results = await Promise.all(pods.map((p) => p.acquire(job)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('run records and fencing', () => {
    it('should not let a stalled leader finish a window that a newer leader owns', async () => {
      const runs = h.app.get(JobRunsService);
      const a = h.app.get(CronLeaseService);
      const b = otherPod();
      const leaseA = (await a.acquire())!;
      const window = windowStart(new Date(), 3600);
      const runA = await runs.claim('fencing_test', window, leaseA);
      expect(runA).toBeDefined();
      expect(await runs.claim('fencing_test', window, leaseA)).toBeUndefined(); // already running here
      await sleep(1100); // A stalls past its TTL
      const leaseB = (await b.acquire())!;
      await expect(runs.finish(runA!, leaseA, { rows: 1 })).rejects.toBeInstanceOf(LeaseLostError);
      const runB = await runs.claim('fencing_test', window, leaseB);
      expect(runB).toBe(runA); // same window record, taken over
      await runs.finish(runB!, leaseB, { rows: 2 });
      const record = await h.prisma.controlPlane_JobRun.findUniqueOrThrow({ where: { id: runB! } });
      expect(record).toMatchObject({
        status: 'done',
        pod_id: b.podId,
        generation: leaseB.generation,
        rows_affected: 2,
      });
      expect(await runs.claim('fencing_test', window, leaseB)).toBeUndefined(); // done is done
      await b.release(leaseB);
    });
  });

  describe('budget reset', () => {
    it('should reset due rows once per window, move budget_reset_at to the next boundary, and leave the rest alone', async () => {
      const past = new Date(Date.now() - DAY);
      const future = new Date(Date.now() + DAY);
      const p = h.prisma;
      await createKey(p, { token: 'due-key', spend: 5, budget_duration: '1d', budget_reset_at: past });
      await createKey(p, { token: 'not-due-key', spend: 5, budget_duration: '1d', budget_reset_at: future });
      await createKey(p, {
        token: 'expired-key',
        spend: 5,
        budget_duration: '1d',
        budget_reset_at: past,
        expires: past,
      });
      await createKey(p, { token: 'no-reset-at-key', spend: 5, budget_duration: '7d' });
      await createUser(p, null, {
        user_id: 'due-user',
        spend: 3,
        budget_duration: '30d',
        budget_reset_at: past,
      });
      await createTeam(p, {
        team_id: 'due-team',
        team_alias: null,
        spend: 3,
        budget_duration: '1h',
        budget_reset_at: past,
      });
      const budget = await createBudget(p, {
        budget_id: 'due-budget',
        budget_duration: '1d',
        budget_reset_at: past,
      });
      await createOrganization(p, {
        organization_id: 'due-org',
        organization_alias: 'o',
        budget_id: budget.budget_id,
        spend: 9,
      });
      await createCustomer(p, { user_id: 'due-customer', spend: 4, budget_id: budget.budget_id });
      await createTag(p, { tag_name: 'due-tag', spend: 4, budget_id: budget.budget_id });
      await setTeamMembership(p, 'due-user', 'due-team', { spend: 2, budget_id: budget.budget_id });
      await createKey(p, { token: 'budget-linked-key', spend: 6, budget_id: budget.budget_id });

      const scheduler = h.app.get(SchedulerService);
      const lease = (await h.app.get(CronLeaseService).acquire())!;
      const now = new Date();
      expect(await scheduler.runWindow(h.app.get(BudgetResetJob), lease, now)).toBe('ran');

      const key = (token: string) => p.liteLLM_VerificationToken.findUniqueOrThrow({ where: { token } });
      const due = await key('due-key');
      expect(due.spend).toBe(0);
      expect(due.budget_reset_at!.getTime()).toBeGreaterThan(now.getTime());
      expect(due.budget_reset_at!.toISOString()).toMatch(/T00:00:00\.000Z$/); // 1d → next midnight
      expect((await key('not-due-key')).spend).toBe(5);
      expect((await key('expired-key')).spend).toBe(5);
      const fresh = await key('no-reset-at-key');
      expect(fresh.spend).toBe(5); // issue 22013: gets a reset time, not a reset
      expect(fresh.budget_reset_at!.getUTCDay()).toBe(1); // 7d → next Monday
      const user = await p.liteLLM_UserTable.findUniqueOrThrow({ where: { user_id: 'due-user' } });
      expect(user.spend).toBe(0);
      expect(user.budget_reset_at!.getUTCDate()).toBe(1); // 30d → 1st of next month
      expect((await p.liteLLM_TeamTable.findUniqueOrThrow({ where: { team_id: 'due-team' } })).spend).toBe(0);
      expect(
        (await p.liteLLM_OrganizationTable.findUniqueOrThrow({ where: { organization_id: 'due-org' } }))
          .spend,
      ).toBe(0);
      expect(
        (await p.liteLLM_EndUserTable.findUniqueOrThrow({ where: { user_id: 'due-customer' } })).spend,
      ).toBe(0);
      expect((await p.liteLLM_TagTable.findUniqueOrThrow({ where: { tag_name: 'due-tag' } })).spend).toBe(0);
      expect((await key('budget-linked-key')).spend).toBe(0);
      const membership = await p.liteLLM_TeamMembership.findUniqueOrThrow({
        where: { user_id_team_id: { user_id: 'due-user', team_id: 'due-team' } },
      });
      expect(membership.spend).toBe(0);
      expect(
        (
          await p.liteLLM_BudgetTable.findUniqueOrThrow({ where: { budget_id: 'due-budget' } })
        ).budget_reset_at!.getTime(),
      ).toBeGreaterThan(now.getTime());

      // New-window spend is never erased: the same window does not run again, a later one finds nothing due.
      await updateKey(p, 'due-key', { spend: { increment: 1 } });
      expect(await scheduler.runWindow(h.app.get(BudgetResetJob), lease, now)).toBe('skipped');
      expect(
        await scheduler.runWindow(h.app.get(BudgetResetJob), lease, new Date(now.getTime() + 3600_000)),
      ).toBe('ran');
      expect((await key('due-key')).spend).toBe(1);
      const records = await p.controlPlane_JobRun.findMany({ where: { job_name: 'budget_reset' } });
      expect(records.every((r) => r.status === 'done')).toBe(true);
    });

    /** The reset job with `batchSize`, run outside the scheduler; `beforeWrite` runs before each write. */
    const runReset = async (batchSize: number, now: Date, beforeWrite?: () => Promise<void>) => {
      const config = loadConfig({ ...process.env, ...h.env });
      const job = new BudgetResetJob({ ...config, scheduler: { ...config.scheduler, batchSize } }, h.prisma);
      return job.run({
        now,
        windowStart: now,
        stopping: () => false,
        fence: async () => undefined,
        fenced: async (work) => {
          await beforeWrite?.();
          return h.prisma.$transaction((tx) => work(tx));
        },
      });
    };
    const keysNamed = (prefix: string, n: number, spend: number, resetAt: (i: number) => Date) =>
      Array.from({ length: n }, (_, i) => ({
        token: `${prefix}-${i}`,
        models: [],
        spend,
        budget_duration: '1d',
        budget_reset_at: resetAt(i),
      }));

    it('should also reset due rows that move past the pages it planned to sweep while it runs', async () => {
      // One page per chunk and a table mostly due, so the job walks pages; a concurrent write makes the due
      // keys too big for their pages, so they move to new pages past the planned chunks.
      const p = h.prisma;
      const past = new Date(Date.now() - DAY);
      await p.liteLLM_VerificationToken.createMany({ data: keysNamed('moving-key', 200, 1, () => past) });
      let moved = false;
      const now = new Date();
      const outcome = await runReset(30, now, async () => {
        if (moved) return;
        moved = true;
        await p.$executeRaw`
          UPDATE "LiteLLM_VerificationToken"
          SET metadata = jsonb_build_object('pad', (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 40) g))
          WHERE token LIKE 'moving-key-%'`;
      });
      expect(outcome.details?.by_pages).toContain('LiteLLM_VerificationToken');
      const mine = { token: { startsWith: 'moving-key-' } };
      expect(
        await p.liteLLM_VerificationToken.count({ where: { ...mine, budget_reset_at: { lte: now } } }),
      ).toBe(0);
      expect(await p.liteLLM_VerificationToken.count({ where: { ...mine, spend: 0 } })).toBe(200);
    });

    /** 500 keys named `prefix`, the first `due` of them due; the job run with `batchSize`. */
    const resetFewDue = async (prefix: string, due: number, batchSize: number) => {
      const p = h.prisma;
      const past = new Date(Date.now() - DAY);
      const future = new Date(Date.now() + DAY);
      await p.liteLLM_VerificationToken.createMany({
        data: keysNamed(prefix, 500, 3, (i) => (i < due ? past : future)),
      });
      const now = new Date();
      const outcome = await runReset(batchSize, now);
      const mine = { token: { startsWith: `${prefix}-` } };
      expect(await p.liteLLM_VerificationToken.count({ where: { ...mine, spend: 0 } })).toBe(due);
      expect(
        await p.liteLLM_VerificationToken.count({ where: { ...mine, budget_reset_at: { lte: now } } }),
      ).toBe(0);
      return outcome;
    };

    it('should reset up to one batch of due rows with one statement, without walking the pages', async () => {
      const outcome = await resetFewDue('idle-key', 5, 10);
      expect(outcome.details?.by_pages).toEqual([]);
      expect(outcome.details?.LiteLLM_VerificationToken).toBe(5);
    });

    it('should walk the pages once when more than one batch is due, however small a share of the table', async () => {
      // An hourly tick on a big table: without an index on budget_reset_at, one pass beats a read per batch.
      const outcome = await resetFewDue('tick-key', 5, 2);
      expect(outcome.details?.by_pages).toEqual(['LiteLLM_VerificationToken']);
      expect(outcome.details?.LiteLLM_VerificationToken).toBe(5);
    });

    it("should reset the same rows when LiteLLM's budget_reset_at index is back (a database shared with LiteLLM)", async () => {
      const index = '"LiteLLM_VerificationToken_budget_reset_at_expires_idx"';
      await h.prisma.$executeRawUnsafe(
        `CREATE INDEX ${index} ON "LiteLLM_VerificationToken"("budget_reset_at", "expires")`,
      );
      try {
        expect((await resetFewDue('indexed-key', 5, 10)).details?.LiteLLM_VerificationToken).toBe(5);
        expect((await resetFewDue('indexed-tick-key', 5, 2)).details?.LiteLLM_VerificationToken).toBe(5);
      } finally {
        await h.prisma.$executeRawUnsafe(`DROP INDEX ${index}`);
      }
    });
  });

  describe('key rotation and clean-up', () => {
    it('should rotate due auto_rotate keys through the regenerate path, and clean up expired old hashes', async () => {
      const res = await h
        .http()
        .post('/key/generate')
        .set(bearer(MASTER_KEY))
        .send({ auto_rotate: true, rotation_interval: '30d' })
        .expect(200);
      const p = h.prisma;
      await updateKey(p, res.body.token, { key_rotation_at: new Date(Date.now() - 1000) });
      await createDeprecatedKey(p, {
        token: 'old-hash',
        active_token_id: 'x',
        revoke_at: new Date(Date.now() - 1000),
      });
      const lease = (await h.app.get(CronLeaseService).acquire())!;
      const scheduler = h.app.get(SchedulerService);
      expect(await scheduler.runWindow(h.app.get(KeyRotationJob), lease)).toBe('ran');
      expect(await p.liteLLM_VerificationToken.findUnique({ where: { token: res.body.token } })).toBeNull();
      const rotated = await p.liteLLM_VerificationToken.findFirstOrThrow({
        where: { key_name: { not: res.body.key_name }, auto_rotate: true },
      });
      expect(rotated.rotation_count).toBe(1);
      expect(rotated.key_rotation_at!.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
      expect(await p.liteLLM_DeletedVerificationToken.count({ where: { token: res.body.token } })).toBe(1);
      expect(await scheduler.runWindow(h.app.get(DeprecatedKeyCleanupJob), lease)).toBe('ran');
      expect(await p.liteLLM_DeprecatedVerificationToken.count({ where: { token: 'old-hash' } })).toBe(0);
    });

    it('should show the leader and the last runs to admins only', async () => {
      const res = await h.http().get('/scheduler/status').set(bearer(MASTER_KEY)).expect(200);
      expect(res.body.jobs.map((j: { name: string }) => j.name)).toEqual(
        expect.arrayContaining([
          'budget_reset',
          'key_rotation',
          'deprecated_key_cleanup',
          'spend_log_retention',
        ]),
      );
      expect(res.body.jobs.find((j: { name: string }) => j.name === 'budget_reset').last_run.status).toBe(
        'done',
      );
    });
  });

  // Last: these start real schedulers on this database (jobs switched off, so only the lease moves).
  describe('ticks in the SchedulerRegistry', () => {
    const leaderApp = (renewSeconds: string) =>
      createTestApp({
        env: {
          ...h.env,
          SCHEDULER_ENABLED: 'true',
          DEFAULT_CRON_JOB_LOCK_TTL_SECONDS: '3600',
          CRON_JOB_LOCK_RENEW_SECONDS: renewSeconds,
          DISABLE_BUDGET_RESET_JOB: 'true',
          LITELLM_KEY_ROTATION_ENABLED: 'false',
          DISABLE_DEPRECATED_KEY_CLEANUP_JOB: 'true',
        },
      });
    const freeLease = () =>
      h.prisma
        .$executeRaw`UPDATE "LiteLLM_CronJob" SET status = 'INACTIVE', ttl = now() WHERE cronjob_id = ${LEADER_LEASE}`;

    it('should register no tick where SCHEDULER_ENABLED=false', () => {
      expect(h.app.get(SchedulerRegistry).doesExist('interval', SCHEDULER_TICK)).toBe(false);
    });

    it('should register its tick while it runs, tick once right at start, and remove the tick and release the lease on shutdown', async () => {
      await freeLease();
      const leader = await leaderApp('3000'); // the interval alone would not tick during this test
      const registry = leader.app.get(SchedulerRegistry);
      const pod = leader.app.get(SchedulerService).podId;
      try {
        expect(registry.getIntervals()).toContain(SCHEDULER_TICK);
        await eventually(async () => (await h.app.get(CronLeaseService).current())?.pod_id === pod, 10_000);
        expect(leader.app.get(SchedulerService).isLeader).toBe(true);
      } finally {
        await leader.close();
      }
      expect(registry.doesExist('interval', SCHEDULER_TICK)).toBe(false);
      const after = await h.app.get(CronLeaseService).current();
      expect(after).toMatchObject({ pod_id: pod, active: false });
    });

    it('should not start a tick while the previous one is still running', async () => {
      await freeLease();
      const leader = await leaderApp('0.05');
      const leases = leader.app.get(CronLeaseService);
      let inFlight = 0;
      let most = 0;
      let calls = 0;
      const slow =
        <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
        async (...a: A): Promise<R> => {
          calls += 1;
          most = Math.max(most, ++inFlight);
          try {
            await sleep(200); // four intervals
            return await fn(...a);
          } finally {
            inFlight -= 1;
          }
        };
      leases.acquire = slow(leases.acquire.bind(leases));
      leases.renew = slow(leases.renew.bind(leases));
      try {
        await eventually(async () => calls >= 3, 10_000);
      } finally {
        await leader.close();
      }
      expect(most).toBe(1);
    });
  });
});
