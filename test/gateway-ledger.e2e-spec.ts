import { createHash } from 'node:crypto';
import { query } from './database';
import { gatewayPodsSkip, POD_MODEL, startGatewayPods, type GatewayPods } from './gateway-pods';
import { eventually } from './pods';
import { auditLedger, type LedgerSubjects } from './ledger-audit';

const REQUESTS = 2000;
const CLIENTS = 50;
/** Pod 1 is killed once this many requests were sent, and is back before `BACK_BY` are sent. */
const KILL_AT = 400;
const BACK_BY = 1500;

const ORG_ALIAS = 'ledger-org';
const USERS = ['ledger-u1', 'ledger-u2', 'ledger-u3', 'ledger-u4', 'ledger-u5'];
/** Teams with their members; the first two belong to the organization. */
const TEAMS = [
  { id: 'ledger-t1', inOrg: true, members: ['ledger-u1', 'ledger-u2'] },
  { id: 'ledger-t2', inOrg: true, members: ['ledger-u3', 'ledger-u1'] },
  { id: 'ledger-t3', inOrg: false, members: ['ledger-u4'] },
];
/** Keys by owner: team members' keys, a user's own key, a team's key without a user. */
const KEY_OWNERS: { user?: string; team?: string }[] = [
  { user: 'ledger-u1', team: 'ledger-t1' },
  { user: 'ledger-u2', team: 'ledger-t1' },
  { user: 'ledger-u3', team: 'ledger-t2' },
  { user: 'ledger-u1', team: 'ledger-t2' },
  { user: 'ledger-u4', team: 'ledger-t3' },
  { user: 'ledger-u5' },
  { team: 'ledger-t1' },
  { user: 'ledger-u2', team: 'ledger-t1' },
];
const TAGS = ['ledger-tag-a', 'ledger-tag-b', 'ledger-tag-c'];
const TAG_SETS = [[], ['ledger-tag-a'], ['ledger-tag-a', 'ledger-tag-b'], ['ledger-tag-c']];
const END_USERS = ['ledger-eu-1', 'ledger-eu-2', 'ledger-eu-3'];

/** What the clients saw: call ids of requests that completed (full JSON, or the stream's [DONE]). */
interface Traffic {
  complete: string[];
  failed: number;
  streamed: number;
}

/**
 * The ledger under load, across two real app processes, one of them killed with SIGKILL midway and
 * restarted: once the aggregator has counted everything pending, every entity's spend equals the
 * sum of its spend logs and of its Daily rows, the Daily request counts equal the spend-log rows,
 * and every request a client saw complete has its spend-log row. Nothing counted twice, nothing lost.
 */
describe('spend ledger under load across two app processes, one killed midway', () => {
  let skip = '';
  let gw: GatewayPods | undefined;

  beforeAll(async () => {
    skip = await gatewayPodsSkip(false);
    if (skip) return;
    gw = await startGatewayPods({ count: 2, withRedis: false, databasePrefix: 'cp_gw_ledger' });
  }, 90_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('should count every spend log exactly once into keys, users, teams, members, the organization, end users, tags and the Daily tables', async () => {
    if (skip) return console.warn(`skipped: ${skip}`);
    const subjects = await createTenancy(gw!);
    const traffic = await sendTraffic(gw!, subjects.keys);
    // The clients saw most requests through, and some fail only because pod 1 died under them.
    expect(traffic.complete.length).toBeGreaterThan(REQUESTS * 0.9);
    expect(traffic.streamed).toBeGreaterThan(REQUESTS / 4);

    await waitForAggregation(gw!.databaseUrl);
    const audit = await auditLedger(gw!.databaseUrl, subjects, traffic.complete);
    expect(audit.missingRows).toEqual([]);
    expect(audit.mismatches).toEqual([]);
    expect(audit.strangers).toEqual([]);
    // Every entity kind took part, and the rows of the requests cut by the kill are the only extra ones.
    expect(audit.checked).toMatchObject({
      key: 8,
      user: 5,
      team: 3,
      team_member: 5,
      org: 1,
      end_user: 3,
      tag: 3,
    });
    expect(audit.successRows).toBeGreaterThanOrEqual(traffic.complete.length);
    expect(audit.successRows).toBeLessThanOrEqual(traffic.complete.length + traffic.failed);
  }, 120_000);
});

/** The organization, users, teams with members, tags and keys, created through pod 0's admin API. */
async function createTenancy(gw: GatewayPods): Promise<LedgerSubjects> {
  const org = await gw.admin(0, '/organization/new', { organization_alias: ORG_ALIAS });
  const organizationId = org.organization_id as string;
  for (const user of USERS) await gw.admin(0, '/user/new', { user_id: user });
  for (const team of TEAMS) {
    await gw.admin(0, '/team/new', {
      team_id: team.id,
      organization_id: team.inOrg ? organizationId : undefined,
    });
    // A budget in the team makes LiteLLM keep the member's own spend row.
    await gw.admin(0, '/team/member_add', {
      team_id: team.id,
      member: team.members.map((user_id) => ({ user_id, role: 'user' })),
      max_budget_in_team: 1000,
    });
  }
  for (const name of TAGS) await gw.admin(0, '/tag/new', { name });
  const keys: LedgerSubjects['keys'] = [];
  for (const owner of KEY_OWNERS) {
    const res = await gw.admin(0, '/key/generate', { user_id: owner.user, team_id: owner.team });
    const raw = res.key as string;
    keys.push({ raw, token: sha256(raw), userId: owner.user ?? null, teamId: owner.team ?? null });
  }
  return {
    keys,
    users: USERS,
    teams: TEAMS.map((t) => t.id),
    members: TEAMS.flatMap((t) => t.members.map((userId) => ({ teamId: t.id, userId }))),
    organizations: [organizationId],
    endUsers: END_USERS,
    tags: TAGS,
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * REQUESTS chat requests from CLIENTS concurrent clients, alternating pods; a third are streamed.
 * At KILL_AT, pod 1 is killed (requests in flight there fail) and restarted; meanwhile pod 0 takes
 * every request, and from BACK_BY on the clients wait until pod 1 is back, so it serves again.
 */
async function sendTraffic(gw: GatewayPods, keys: LedgerSubjects['keys']): Promise<Traffic> {
  const traffic: Traffic = { complete: [], failed: 0, streamed: 0 };
  const sawDone = new Set<string>();
  const watching = watchDone(sawDone);
  const clients = [0, 1].map((pod) => keys.map((k) => gw.openai(pod, k.raw, watching)));
  let podOneDown = false;
  let restarted: Promise<void> = Promise.resolve();
  let next = 0;
  const client = async () => {
    while (next < REQUESTS) {
      const i = next++;
      if (i === KILL_AT) {
        podOneDown = true;
        restarted = gw
          .kill(1)
          .then(() => gw.respawn(1))
          .then(() => void (podOneDown = false));
      }
      if (i >= BACK_BY) await restarted;
      const pod = podOneDown ? 0 : i % 2;
      const stream = i % 3 === 0;
      if (stream) traffic.streamed += 1;
      const callId = await oneRequest(clients[pod][i % keys.length], i, stream).catch(() => undefined);
      if (callId && (!stream || sawDone.has(callId))) traffic.complete.push(callId);
      else traffic.failed += 1;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  await restarted;
  return traffic;
}

/** One chat request; resolves to its call id once the client has the whole answer. */
async function oneRequest(
  client: ReturnType<GatewayPods['openai']>,
  i: number,
  stream: boolean,
): Promise<string> {
  const body = {
    model: POD_MODEL,
    messages: [{ role: 'user' as const, content: `ledger request ${i}` }],
    user: i % 4 === 3 ? undefined : END_USERS[i % END_USERS.length],
    metadata: { tags: TAG_SETS[i % TAG_SETS.length] } as unknown as Record<string, string>,
  };
  if (!stream) {
    const { data, response } = await client.chat.completions.create(body).withResponse();
    if (!data.choices[0]?.message) throw new Error('incomplete answer');
    return response.headers.get('x-litellm-call-id')!;
  }
  const { data, response } = await client.chat.completions.create({ ...body, stream: true }).withResponse();
  for await (const chunk of data) void chunk;
  return response.headers.get('x-litellm-call-id')!;
}

/** A fetch that notes the call id of every event stream whose `data: [DONE]` reached the client. */
function watchDone(sawDone: Set<string>): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const callId = res.headers.get('x-litellm-call-id');
    if (!callId || !res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) return res;
    const decoder = new TextDecoder();
    let tail = '';
    const watch = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const text = tail + decoder.decode(chunk, { stream: true });
        if (text.includes('data: [DONE]')) sawDone.add(callId);
        tail = text.slice(-16);
        controller.enqueue(chunk);
      },
    });
    return new Response(res.body.pipeThrough(watch), { status: res.status, headers: res.headers });
  };
}

/** Waits until nothing is pending, twice an aggregator period apart (a late row would show). */
async function waitForAggregation(databaseUrl: string) {
  const pending = async () =>
    Number(
      (await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM "ControlPlane_SpendLogPending"'))[0]
        .n,
    );
  for (let round = 0; round < 2; round++) {
    await eventually(async () => (await pending()) === 0, 20_000, 100).catch(async () => {
      throw new Error(`${await pending()} spend logs still pending after 20 s`);
    });
    await new Promise((r) => setTimeout(r, 600));
  }
}
