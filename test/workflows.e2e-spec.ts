import type request from 'supertest';
import { randomUUID } from 'node:crypto';
import { hashApiKey } from '../src/platform/common/hashing';
import { statusAfterEvent } from '../src/domains/workflows/workflow-status';
import { MASTER_KEY, uniq } from './app.factory';
import { bearer, createKey, createSpendLog, createUserWithKey, createWorkflowRun } from './factories';
import { useE2e } from './harness';

const RUNS = '/v1/workflows/runs';

describe('workflow runs (/v1/workflows/runs)', () => {
  const h = useE2e();
  const { http } = h;
  const asMaster = h.master;

  /** A user with `role` and a key of theirs. */
  const actor = (role: string | null) => createUserWithKey(h.prisma, role);
  type Actor = Awaited<ReturnType<typeof actor>>;

  const createRun = async (who: { headers: Record<string, string> }, body: Record<string, unknown> = {}) => {
    const res = await http()
      .post(RUNS)
      .set(who.headers)
      .send({ workflow_type: uniq('wf'), ...body })
      .expect(200);
    return res.body as { run_id: string; session_id: string; workflow_type: string };
  };
  const appendEvent = (runId: string, headers: Record<string, string>, body: Record<string, unknown>) =>
    http().post(`${RUNS}/${runId}/events`).set(headers).send(body);
  const appendMessage = (runId: string, headers: Record<string, string>, body: Record<string, unknown>) =>
    http().post(`${RUNS}/${runId}/messages`).set(headers).send(body);
  const runRow = (runId: string) => h.prisma.liteLLM_WorkflowRun.findUnique({ where: { run_id: runId } });
  const eventRows = (runId: string) =>
    h.prisma.liteLLM_WorkflowEvent.findMany({
      where: { run_id: runId },
      orderBy: { sequence_number: 'asc' },
    });
  const messageRows = (runId: string) =>
    h.prisma.liteLLM_WorkflowMessage.findMany({
      where: { run_id: runId },
      orderBy: { sequence_number: 'asc' },
    });

  let owner: Actor;
  let stranger: Actor;
  let admin: Actor;
  let viewer: Actor;

  beforeAll(async () => {
    owner = await actor('internal_user');
    stranger = await actor('internal_user');
    admin = await actor('proxy_admin');
    viewer = await actor('proxy_admin_viewer');
  });

  describe('POST /v1/workflows/runs', () => {
    it('should create a pending run owned by the hash of the calling key, with a fresh session_id', async () => {
      const type = uniq('builder');
      const res = await http()
        .post(RUNS)
        .set(owner.headers)
        .send({ workflow_type: type, input: { issue: 42 }, metadata: { pr_url: 'https://x/1' } })
        .expect(200);
      expect(res.body).toMatchObject({
        run_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        workflow_type: type,
        status: 'pending',
        created_by: owner.token,
        input: { issue: 42 },
        output: null,
        metadata: { pr_url: 'https://x/1' },
      });
      expect(res.body.session_id).not.toBe(res.body.run_id);
      expect(await runRow(res.body.run_id)).toMatchObject({
        workflow_type: type,
        status: 'pending',
        created_by: owner.token,
        input: { issue: 42 },
        output: null,
      });
    });

    it('should record the master key by its hash', async () => {
      const run = await createRun({ headers: asMaster });
      expect((await runRow(run.run_id))?.created_by).toBe(hashApiKey(MASTER_KEY));
    });

    it('should refuse a call without a key', async () => {
      await http().post(RUNS).send({ workflow_type: 'x' }).expect(401);
    });
  });

  describe('lifecycle and status rules', () => {
    it('should move the status by the event rules, leave it for other events, and keep every event', async () => {
      const run = await createRun(owner);
      const steps: [string, string, string][] = [
        ['step.started', 'plan', 'running'],
        ['step.completed', 'plan', 'running'],
        ['hook.waiting', 'review', 'paused'],
        ['custom.note', 'review', 'paused'],
        ['hook.received', 'review', 'running'],
        ['step.failed', 'build', 'failed'],
        ['step.retry_scheduled', 'build', 'failed'],
      ];
      for (const [i, [eventType, stepName, status]] of steps.entries()) {
        const res = await appendEvent(run.run_id, owner.headers, {
          event_type: eventType,
          step_name: stepName,
          data: { i },
        }).expect(200);
        expect(res.body).toEqual({
          event_id: expect.any(String),
          run_id: run.run_id,
          event_type: eventType,
          step_name: stepName,
          sequence_number: i,
          data: { i },
          created_at: expect.any(String),
        });
        expect((await runRow(run.run_id))?.status).toBe(status);
      }

      const got = await http().get(`${RUNS}/${run.run_id}`).set(owner.headers).expect(200);
      expect(got.body.status).toBe('failed');
      expect(got.body.events).toHaveLength(1);
      expect(got.body.events[0]).toMatchObject({ event_type: 'step.retry_scheduled', sequence_number: 6 });

      const listed = await http().get(`${RUNS}/${run.run_id}/events`).set(owner.headers).expect(200);
      expect(listed.body.count).toBe(steps.length);
      expect(listed.body.events.map((e: { event_type: string }) => e.event_type)).toEqual(
        steps.map((s) => s[0]),
      );
      expect(listed.body.events.map((e: { sequence_number: number }) => e.sequence_number)).toEqual([
        0, 1, 2, 3, 4, 5, 6,
      ]);

      const done = await http()
        .patch(`${RUNS}/${run.run_id}`)
        .set(owner.headers)
        .send({ status: 'completed', output: { pr: 7 }, metadata: { branch: 'fix' } })
        .expect(200);
      expect(done.body).toMatchObject({
        status: 'completed',
        output: { pr: 7 },
        metadata: { branch: 'fix' },
      });
      expect(await runRow(run.run_id)).toMatchObject({
        status: 'completed',
        output: { pr: 7 },
        metadata: { branch: 'fix' },
      });
      expect(await eventRows(run.run_id)).toHaveLength(steps.length);
    });

    it('should change only the fields sent on PATCH, ignoring nulls', async () => {
      const run = await createRun(owner, { metadata: { keep: true } });
      const res = await http()
        .patch(`${RUNS}/${run.run_id}`)
        .set(owner.headers)
        .send({ output: { ok: 1 }, metadata: null })
        .expect(200);
      expect(res.body).toMatchObject({ status: 'pending', output: { ok: 1 }, metadata: { keep: true } });
    });

    it('should answer 400 "No fields to update" for an empty PATCH and change nothing', async () => {
      const run = await createRun(owner);
      const before = await runRow(run.run_id);
      const res = await http().patch(`${RUNS}/${run.run_id}`).set(owner.headers).send({}).expect(400);
      expect(res.body.error.message).toBe('No fields to update');
      await http()
        .patch(`${RUNS}/${run.run_id}`)
        .set(owner.headers)
        .send({ status: null, output: null })
        .expect(400);
      expect(await runRow(run.run_id)).toEqual(before);
    });

    it("should answer 404 with LiteLLM's message for an unknown run on every route", async () => {
      const id = randomUUID();
      const res = await http().get(`${RUNS}/${id}`).set(asMaster).expect(404);
      expect(res.body.error).toMatchObject({ message: `Run '${id}' not found`, type: 'not_found_error' });
      await http().patch(`${RUNS}/${id}`).set(asMaster).send({ status: 'failed' }).expect(404);
      await appendEvent(id, asMaster, { event_type: 'step.started', step_name: 'a' }).expect(404);
      await http().get(`${RUNS}/${id}/events`).set(asMaster).expect(404);
      await appendMessage(id, asMaster, { role: 'user', content: 'hi' }).expect(404);
      await http().get(`${RUNS}/${id}/messages`).set(asMaster).expect(404);
      expect(await h.prisma.liteLLM_WorkflowEvent.count({ where: { run_id: id } })).toBe(0);
    });
  });

  describe('sequence numbers under concurrency', () => {
    it('should number 100 concurrent event appends 0..99 and end in the status of the last status-changing event', async () => {
      const run = await createRun(owner);
      const types = ['step.started', 'step.failed', 'hook.waiting', 'hook.received', 'step.completed', 'log'];
      const bodies = Array.from({ length: 100 }, (_, i) => ({
        event_type: types[i % types.length],
        step_name: `step-${i}`,
        data: { i },
      }));
      const responses = await Promise.all(bodies.map((body) => appendEvent(run.run_id, owner.headers, body)));
      expect(responses.map((r) => r.status)).toEqual(bodies.map(() => 200));

      const events = await eventRows(run.run_id);
      expect(events.map((e) => e.sequence_number)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(responses.map((r) => r.body.sequence_number as number).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 100 }, (_, i) => i),
      );
      const lastChanging = [...events].reverse().find((e) => statusAfterEvent(e.event_type) !== null);
      expect((await runRow(run.run_id))?.status).toBe(statusAfterEvent(lastChanging!.event_type));
    });

    it('should give messages their own counter, gap-free beside concurrent events', async () => {
      const run = await createRun(owner);
      await appendEvent(run.run_id, owner.headers, {
        event_type: 'step.started',
        step_name: 'warm-up',
      }).expect(200);
      const calls = Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0
          ? appendMessage(run.run_id, owner.headers, { role: i % 4 ? 'assistant' : 'user', content: `m${i}` })
          : appendEvent(run.run_id, owner.headers, { event_type: 'log', step_name: `s${i}` }),
      );
      const responses = await Promise.all(calls);
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect((await messageRows(run.run_id)).map((m) => m.sequence_number)).toEqual(
        Array.from({ length: 30 }, (_, i) => i),
      );
      expect((await eventRows(run.run_id)).map((e) => e.sequence_number)).toEqual(
        Array.from({ length: 31 }, (_, i) => i),
      );
    });
  });

  describe('messages', () => {
    it('should store a message in full and list messages in order', async () => {
      const run = await createRun(owner);
      const long = 'Ünïcødé ✓ line\n'.repeat(4000);
      const first = await appendMessage(run.run_id, owner.headers, {
        role: 'user',
        content: long,
        session_id: 'claude-session-1',
      }).expect(200);
      expect(first.body).toEqual({
        message_id: expect.any(String),
        run_id: run.run_id,
        role: 'user',
        content: long,
        sequence_number: 0,
        session_id: 'claude-session-1',
        created_at: expect.any(String),
      });
      await appendMessage(run.run_id, owner.headers, { role: 'assistant', content: '' }).expect(200);

      const res = await http().get(`${RUNS}/${run.run_id}/messages`).set(owner.headers).expect(200);
      expect(res.body.count).toBe(2);
      expect(res.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
      expect(res.body.messages[0].content).toBe(long);
      expect((await messageRows(run.run_id))[0].content).toBe(long);

      const page2 = await http()
        .get(`${RUNS}/${run.run_id}/messages?limit=1&page=2`)
        .set(owner.headers)
        .expect(200);
      expect(page2.body).toMatchObject({ count: 1, messages: [{ role: 'assistant', sequence_number: 1 }] });
    });
  });

  describe('append-only events', () => {
    it('should offer no route that edits or deletes an event, and change nothing when one is tried', async () => {
      const run = await createRun(owner);
      const { body: event } = await appendEvent(run.run_id, owner.headers, {
        event_type: 'step.started',
        step_name: 'plan',
      }).expect(200);
      const before = await eventRows(run.run_id);
      const paths = [
        `${RUNS}/${run.run_id}/events`,
        `${RUNS}/${run.run_id}/events/${event.event_id}`,
        `${RUNS}/${run.run_id}/events/0`,
      ];
      const changed = { event_type: 'step.failed', step_name: 'x', sequence_number: 5 };
      for (const headers of [owner.headers, asMaster]) {
        for (const path of paths) {
          for (const method of ['put', 'patch', 'delete'] as const) {
            const res = await http()[method](path).set(headers).send(changed);
            expect([404, 405]).toContain(res.status);
          }
        }
        // A run cannot be deleted either (it would take its events along).
        const res = await http().delete(`${RUNS}/${run.run_id}`).set(headers);
        expect([404, 405]).toContain(res.status);
      }
      expect(await eventRows(run.run_id)).toEqual(before);
      expect((await runRow(run.run_id))?.status).toBe('running');
    });
  });

  describe('ownership', () => {
    it("should hide another key's run: 404 on every route, nothing written, absent from the list", async () => {
      const run = await createRun(owner);
      await appendEvent(run.run_id, owner.headers, { event_type: 'step.started', step_name: 'plan' }).expect(
        200,
      );
      await appendMessage(run.run_id, owner.headers, { role: 'user', content: 'hi' }).expect(200);
      const before = await runRow(run.run_id);

      const h = stranger.headers;
      const get = await http().get(`${RUNS}/${run.run_id}`).set(h).expect(404);
      expect(get.body.error.message).toBe(`Run '${run.run_id}' not found`);
      await http().patch(`${RUNS}/${run.run_id}`).set(h).send({ status: 'completed' }).expect(404);
      await appendEvent(run.run_id, h, { event_type: 'step.failed', step_name: 'x' }).expect(404);
      await http().get(`${RUNS}/${run.run_id}/events`).set(h).expect(404);
      await appendMessage(run.run_id, h, { role: 'user', content: 'injected' }).expect(404);
      await http().get(`${RUNS}/${run.run_id}/messages`).set(h).expect(404);

      const list = await http().get(`${RUNS}?limit=250`).set(h).expect(200);
      expect(list.body.runs.map((r: { run_id: string }) => r.run_id)).not.toContain(run.run_id);
      expect(await runRow(run.run_id)).toEqual(before);
      expect(await eventRows(run.run_id)).toHaveLength(1);
      expect(await messageRows(run.run_id)).toHaveLength(1);
    });

    it('should hide a run without owner from non-admins but not from admins', async () => {
      const run = await createWorkflowRun(h.prisma, { workflow_type: uniq('legacy'), created_by: null });
      await http().get(`${RUNS}/${run.run_id}`).set(owner.headers).expect(404);
      await appendEvent(run.run_id, owner.headers, { event_type: 'log', step_name: 'x' }).expect(404);
      await http().get(`${RUNS}/${run.run_id}`).set(admin.headers).expect(200);
      await appendEvent(run.run_id, admin.headers, { event_type: 'log', step_name: 'x' }).expect(200);
    });

    it('should treat two keys of the same user as different owners', async () => {
      const { raw } = await createKey(h.prisma, { user_id: owner.userId });
      const run = await createRun(owner);
      await http().get(`${RUNS}/${run.run_id}`).set(bearer(raw)).expect(404);
    });

    it('should let proxy admins and the master key see and change every run', async () => {
      const run = await createRun(owner, { workflow_type: uniq('admin-sees') });
      for (const headers of [admin.headers, asMaster]) {
        await http().get(`${RUNS}/${run.run_id}`).set(headers).expect(200);
        await http().get(`${RUNS}/${run.run_id}/events`).set(headers).expect(200);
        const list = await http().get(`${RUNS}?workflow_type=${run.workflow_type}`).set(headers).expect(200);
        expect(list.body.runs.map((r: { run_id: string }) => r.run_id)).toEqual([run.run_id]);
      }
      await appendEvent(run.run_id, admin.headers, {
        event_type: 'hook.waiting',
        step_name: 'approve',
      }).expect(200);
      await appendMessage(run.run_id, asMaster, { role: 'system', content: 'admin note' }).expect(200);
      await http()
        .patch(`${RUNS}/${run.run_id}`)
        .set(admin.headers)
        .send({ status: 'completed' })
        .expect(200);
      expect((await runRow(run.run_id))?.status).toBe('completed');
    });

    it("should let a proxy admin viewer read every run but not write to another key's run", async () => {
      const run = await createRun(owner, { workflow_type: uniq('viewer-reads') });
      await appendEvent(run.run_id, owner.headers, { event_type: 'step.started', step_name: 'plan' }).expect(
        200,
      );
      await appendMessage(run.run_id, owner.headers, { role: 'user', content: 'hi' }).expect(200);
      const h = viewer.headers;
      await http().get(`${RUNS}/${run.run_id}`).set(h).expect(200);
      expect((await http().get(`${RUNS}/${run.run_id}/events`).set(h).expect(200)).body.count).toBe(1);
      expect((await http().get(`${RUNS}/${run.run_id}/messages`).set(h).expect(200)).body.count).toBe(1);
      const list = await http().get(`${RUNS}?workflow_type=${run.workflow_type}`).set(h).expect(200);
      expect(list.body.count).toBe(1);

      const before = await runRow(run.run_id);
      const writes = [
        http().patch(`${RUNS}/${run.run_id}`).set(h).send({ status: 'failed' }),
        appendEvent(run.run_id, h, { event_type: 'step.failed', step_name: 'x' }),
        appendMessage(run.run_id, h, { role: 'user', content: 'x' }),
      ];
      for (const res of await Promise.all(writes)) expect([403, 404]).toContain(res.status);
      expect(await runRow(run.run_id)).toEqual(before);
      expect(await eventRows(run.run_id)).toHaveLength(1);
      expect(await messageRows(run.run_id)).toHaveLength(1);
    });
  });

  describe('GET /v1/workflows/runs', () => {
    it('should filter by workflow_type and status (comma-separated), newest first, page by page', async () => {
      const who = await actor('internal_user');
      const type = uniq('filter');
      const ids: string[] = [];
      for (let i = 0; i < 4; i += 1) ids.push((await createRun(who, { workflow_type: type })).run_id);
      await createRun(who, { workflow_type: uniq('other') });
      await appendEvent(ids[0], who.headers, { event_type: 'step.started', step_name: 'a' }).expect(200);
      await appendEvent(ids[1], who.headers, { event_type: 'hook.waiting', step_name: 'a' }).expect(200);
      await appendEvent(ids[2], who.headers, { event_type: 'step.failed', step_name: 'a' }).expect(200);

      const all = await http().get(`${RUNS}?workflow_type=${type}`).set(who.headers).expect(200);
      expect(all.body.count).toBe(4);
      expect(all.body.runs.map((r: { run_id: string }) => r.run_id)).toEqual([...ids].reverse());

      const running = await http()
        .get(`${RUNS}?workflow_type=${type}&status=running`)
        .set(who.headers)
        .expect(200);
      expect(running.body.runs.map((r: { run_id: string }) => r.run_id)).toEqual([ids[0]]);

      const several = await http()
        .get(`${RUNS}?workflow_type=${type}&status=running, paused,`)
        .set(who.headers)
        .expect(200);
      expect(several.body.runs.map((r: { run_id: string }) => r.run_id).sort()).toEqual(
        [ids[0], ids[1]].sort(),
      );

      const mine = await http().get(RUNS).set(who.headers).expect(200);
      expect(mine.body.count).toBe(5);

      const page1 = await http().get(`${RUNS}?workflow_type=${type}&limit=3`).set(who.headers).expect(200);
      const page2 = await http()
        .get(`${RUNS}?workflow_type=${type}&limit=3&page=2`)
        .set(who.headers)
        .expect(200);
      expect(page1.body.count).toBe(3);
      expect(page2.body.count).toBe(1);
      expect([...page1.body.runs, ...page2.body.runs].map((r: { run_id: string }) => r.run_id)).toEqual(
        [...ids].reverse(),
      );
    });
  });

  describe('spend', () => {
    const spendLog = (sessionId: string | null, spend: number) =>
      createSpendLog(h.prisma, { request_id: uniq('req'), spend, session_id: sessionId });

    it("should show on get the sum of the spend logs of the run's session_id", async () => {
      const run = await createRun(owner);
      const empty = await http().get(`${RUNS}/${run.run_id}`).set(owner.headers).expect(200);
      expect(empty.body.spend).toBe(0);
      expect(empty.body.events).toEqual([]);

      await spendLog(run.session_id, 0.25);
      await spendLog(run.session_id, 0.5);
      await spendLog(run.session_id, 0.125);
      await spendLog(randomUUID(), 99);
      await spendLog(null, 99);
      const res = await http().get(`${RUNS}/${run.run_id}`).set(owner.headers).expect(200);
      expect(res.body.spend).toBeCloseTo(0.875, 10);
    });
  });

  describe('bad input', () => {
    let runId: string;
    beforeAll(async () => {
      runId = (await createRun(owner)).run_id;
    });

    const expect422 = async (res: request.Response, param?: string) => {
      expect(res.status).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
      if (param) expect(res.body.error.param).toBe(param);
    };

    it('should answer 422 for malformed run bodies and create nothing', async () => {
      const type = uniq('bad');
      const count = () => h.prisma.liteLLM_WorkflowRun.count({ where: { workflow_type: type } });
      await expect422(await http().post(RUNS).set(owner.headers).send({}), 'workflow_type');
      await expect422(await http().post(RUNS).set(owner.headers).send({ workflow_type: 7 }), 'workflow_type');
      await expect422(
        await http().post(RUNS).set(owner.headers).send({ workflow_type: '   ' }),
        'workflow_type',
      );
      await expect422(
        await http().post(RUNS).set(owner.headers).send({ workflow_type: 'a\nb' }),
        'workflow_type',
      );
      await expect422(
        await http()
          .post(RUNS)
          .set(owner.headers)
          .send({ workflow_type: 'x'.repeat(129) }),
      );
      await expect422(
        await http()
          .post(RUNS)
          .set(owner.headers)
          .send({ workflow_type: type, input: [1, 2] }),
        'input',
      );
      await expect422(
        await http().post(RUNS).set(owner.headers).send({ workflow_type: type, metadata: 'x' }),
        'metadata',
      );
      await expect422(
        await http()
          .post(RUNS)
          .set(owner.headers)
          .send([{ workflow_type: type }]),
      );
      await expect422(
        await http()
          .post(RUNS)
          .set(owner.headers)
          .send({ workflow_type: type, input: { a: 'nul\u0000' } }),
      );
      const loneSurrogate = `{"workflow_type": "${type}", "input": {"a": "\\ud800"}}`;
      await expect422(
        await http()
          .post(RUNS)
          .set(owner.headers)
          .set('Content-Type', 'application/json')
          .send(loneSurrogate),
        'input.a',
      );
      let deep: Record<string, unknown> = {};
      for (let i = 0; i < 100; i += 1) deep = { d: deep };
      await expect422(await http().post(RUNS).set(owner.headers).send({ workflow_type: type, input: deep }));
      const malformed = await http()
        .post(RUNS)
        .set(owner.headers)
        .set('Content-Type', 'application/json')
        .send('{"workflow_type": ');
      expect(malformed.status).toBeGreaterThanOrEqual(400);
      expect(malformed.status).toBeLessThan(500);
      expect(await count()).toBe(0);
    });

    it('should answer 422 for malformed or oversized event_type and step_name and append nothing', async () => {
      const bad: Record<string, unknown>[] = [
        { step_name: 'plan' },
        { event_type: 'step.started' },
        { event_type: 'step started', step_name: 'plan' },
        { event_type: '.hidden', step_name: 'plan' },
        { event_type: 'step/started', step_name: 'plan' },
        { event_type: 'e'.repeat(129), step_name: 'plan' },
        { event_type: 'step.started', step_name: '' },
        { event_type: 'step.started', step_name: ' \t ' },
        { event_type: 'step.started', step_name: 'line\nbreak' },
        { event_type: 'step.started', step_name: 's'.repeat(257) },
        { event_type: ['step.started'], step_name: 'plan' },
        { event_type: 'step.started', step_name: 'plan', data: [1] },
        { event_type: 'step.started', step_name: 'plan', data: 'text' },
      ];
      for (const body of bad) await expect422(await appendEvent(runId, owner.headers, body));
      for (const body of [
        '{"event_type": "log", "step_name": "x", "data": {"\\udc00": 1}}',
        '{"event_type": "log", "step_name": "x\\ud800"}',
      ]) {
        const res = await http()
          .post(`${RUNS}/${runId}/events`)
          .set(owner.headers)
          .set('Content-Type', 'application/json')
          .send(body);
        await expect422(res);
      }
      // Caller-defined names are accepted as they are, not checked against a list.
      await appendEvent(runId, owner.headers, {
        event_type: 'My_Tool:call-2.done',
        step_name: 'Run tests (ünit) ✓',
      }).expect(200);
      expect(await eventRows(runId)).toHaveLength(1);
    });

    it('should answer 422 for a bad status, role, content or session_id', async () => {
      await expect422(
        await http().patch(`${RUNS}/${runId}`).set(owner.headers).send({ status: 'bogus' }),
        'status',
      );
      await expect422(
        await http().patch(`${RUNS}/${runId}`).set(owner.headers).send({ output: 5 }),
        'output',
      );
      await expect422(await appendMessage(runId, owner.headers, { content: 'x' }), 'role');
      await expect422(await appendMessage(runId, owner.headers, { role: 'user' }), 'content');
      await expect422(await appendMessage(runId, owner.headers, { role: 'user', content: 5 }), 'content');
      await expect422(await appendMessage(runId, owner.headers, { role: 'a user', content: 'x' }), 'role');
      await expect422(await appendMessage(runId, owner.headers, { role: 'user', content: 'a\u0000b' }));
      await expect422(
        await appendMessage(runId, owner.headers, { role: 'user', content: 'x', session_id: '' }),
      );
      for (const body of [
        '{"role": "user", "content": "a\\udc00b"}',
        '{"role": "user", "content": "x", "session_id": "\\ud800"}',
      ]) {
        const res = await http()
          .post(`${RUNS}/${runId}/messages`)
          .set(owner.headers)
          .set('Content-Type', 'application/json')
          .send(body);
        await expect422(res);
      }
      expect((await runRow(runId))?.status).toBe('pending');
      expect(await messageRows(runId)).toHaveLength(0);
    });

    it('should answer 422 for bad list parameters', async () => {
      for (const q of ['limit=0', 'limit=251', 'limit=abc', 'page=0', 'page=1.5', 'status=a&status=b']) {
        await expect422(await http().get(`${RUNS}?${q}`).set(owner.headers));
      }
      for (const q of ['limit=0', 'limit=501', 'page=-1', 'page=99999999999']) {
        await expect422(await http().get(`${RUNS}/${runId}/events?${q}`).set(owner.headers));
        await expect422(await http().get(`${RUNS}/${runId}/messages?${q}`).set(owner.headers));
      }
      await http().get(`${RUNS}/${runId}/events?limit=500&page=1000000`).set(owner.headers).expect(200);
    });

    it('should never answer 500 for strange run ids', async () => {
      for (const id of ['x'.repeat(5000), '%00', '..', "1' OR '1'='1", '%F0%9F%98%80']) {
        const res = await http().get(`${RUNS}/${id}`).set(owner.headers);
        expect([404, 422]).toContain(res.status);
        const ev = await appendEvent(id, owner.headers, { event_type: 'log', step_name: 'x' });
        expect([404, 422]).toContain(ev.status);
      }
    });
  });
});
