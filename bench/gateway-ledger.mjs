// The gateway bench's last check: did the ledger keep up? Every request that reached the upstream through
// our gateway must have its spend-log row (written before the client got its answer), and the aggregator
// must have counted them all into the key's spend once the load stops.
import { connect } from './harness.mjs';

const SETTLE_MS = 1_500;
const AGGREGATION_WAIT_MS = 15_000;

/**
 * Prints: 2xx answers the bench got from ours, answers the upstream sent to ours, spend-log rows by
 * status, pending rows left for the aggregator, and the key's counted spend against the logged spend.
 */
export async function checkLedger(url, upstream, upstreamKey, clientAnswers) {
  // Requests cut off when autocannon stopped finish (or fail) in the gateway a moment later.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const reachedUpstream = (await upstream.stats())[`Bearer ${upstreamKey}`] ?? 0;
  const db = await connect(url);
  try {
    const byStatus = Object.fromEntries(
      (await db.query(`SELECT status, count(*)::int AS n FROM "LiteLLM_SpendLogs" GROUP BY status`)).rows.map(
        (r) => [r.status, r.n],
      ),
    );
    const success = byStatus.success ?? 0;
    console.log(
      `\nledger: the bench got ${clientAnswers} answers 2xx from ours; the upstream answered ours ${reachedUpstream} times; ` +
        `spend log: ${success} success rows, ${byStatus.failure ?? 0} failure rows`,
    );
    const logRows = success + (byStatus.failure ?? 0);
    console.log(
      `  one row per request that reached the upstream: ${logRows === reachedUpstream ? 'yes' : `NO (${logRows - reachedUpstream} off)`}; ` +
        `a success row per answer the bench got: ${success >= clientAnswers ? 'yes' : `NO (${clientAnswers - success} missing)`}`,
    );
    const errors = await db.query(`
      SELECT exception_type, left(exception_string, 80) AS message, count(*)::int AS n FROM "LiteLLM_ErrorLogs"
      GROUP BY 1, 2 ORDER BY n DESC LIMIT 3`);
    for (const e of errors.rows) console.log(`  failure rows: ${e.n} × ${e.exception_type}: ${e.message}`);
    const started = Date.now();
    let pending;
    do {
      pending = (await db.query(`SELECT count(*)::int AS n FROM "ControlPlane_SpendLogPending"`)).rows[0].n;
      if (pending > 0) await new Promise((r) => setTimeout(r, 250));
    } while (pending > 0 && Date.now() - started < AGGREGATION_WAIT_MS);
    const { rows } = await db.query(`
      SELECT t.spend AS counted, (SELECT coalesce(sum(s.spend), 0) FROM "LiteLLM_SpendLogs" s WHERE s.api_key = t.token) AS logged
      FROM "LiteLLM_VerificationToken" t WHERE t.user_id = 'bench-user'`);
    const { counted, logged } = rows[0];
    console.log(
      `  aggregator: ${pending} rows pending ${((Date.now() - started) / 1000).toFixed(1)} s after the load; ` +
        `key spend counted $${counted.toFixed(6)} of $${Number(logged).toFixed(6)} logged`,
    );
  } finally {
    await db.end();
  }
}
