import { Injectable, Logger } from '@nestjs/common';
import { LiteLLM_BudgetTable, LiteLLM_TagTable, Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { InvalidationBus } from '../../platform/auth/invalidation-bus';
import { isAdminViewer, isProxyAdmin } from '../../platform/auth/roles';
import { BudgetsService, isUniqueViolation, Tx } from '../budgets/budgets.service';
import { ApiError, badRequest, forbidden, notFound } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { TagListQuery, TagNewRequest, TagUpdateRequest } from './tags.dto';

const TAG_TABLE = 'LiteLLM_TagTable';
const DYNAMIC_TAG_DESCRIPTION =
  'This is just a spend tag that was passed dynamically in a request. It does not control any LLM models.';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type TagWithBudget = LiteLLM_TagTable & { litellm_budget_table: LiteLLM_BudgetTable | null };

export interface TagConfig {
  name: string;
  description: string | null;
  models: string[] | null;
  model_info?: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  created_by?: string | null;
  spend?: number;
  litellm_budget_table?: LiteLLM_BudgetTable;
}

/**
 * Tags (`/tag/*`): named spend buckets with optional model routing and a budget row. Errors use
 * our envelope with their real 4xx status (LiteLLM re-raises them as 500 `{"detail": "400: ..."}`).
 */
@Injectable()
export class TagsService {
  private readonly logger = new Logger('tags');

  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
    private readonly budgets: BudgetsService,
    private readonly bus: InvalidationBus,
  ) {}

  /**
   * Creates the tag (and its budget row when budget fields are sent, or links budget_id), and adds
   * the tag to the stored deployments it names (LiteLLM: `litellm_params.tags` of matching models).
   * Duplicate name → 400 (LiteLLM's inner status).
   */
  async newTag(req: TagNewRequest, actor: Actor): Promise<{ message: string; tag: TagConfig }> {
    assertProxyAdmin(actor.auth);
    const fields = this.budgets.pickBudgetFields(req);
    const ownBudget = this.budgets.hasBudgetFields(fields);
    if (ownBudget && req.budget_id != null) throw budgetAndBudgetId();
    try {
      const { created: row, tagged } = await this.changes.run(actor, async (change) => {
        const tx = change.tx;
        const existing = await tx.liteLLM_TagTable.findUnique({
          where: { tag_name: req.name },
          select: { tag_name: true },
        });
        if (existing) throw duplicateTag(req.name);
        let budgetId: string | null = null;
        if (req.budget_id != null) budgetId = await this.budgets.requireBudget(req.budget_id, tx);
        else if (ownBudget) budgetId = (await this.budgets.createBudget(fields, actor, tx)).budget_id;
        const models = req.models ?? [];
        const created = await tx.liteLLM_TagTable.create({
          data: {
            tag_name: req.name,
            description: req.description ?? null,
            models,
            model_info: await this.modelInfo(models, tx),
            spend: 0,
            budget_id: budgetId,
            created_by: this.actorId(actor.auth),
          },
        });
        const tagged = await this.tagDeployments(req.name, models, tx);
        await change.audit({
          action: 'created',
          table: TAG_TABLE,
          objectId: req.name,
          after: { ...created, tagged_deployments: tagged },
        });
        return { created, tagged };
      });
      if (tagged.length > 0) await this.modelsChanged();
      return { message: `Tag ${req.name} created successfully`, tag: tagConfig(row) };
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateTag(req.name);
      throw e;
    }
  }

  /**
   * Changes the fields sent: `description` (null clears it), `models` (null empties the list;
   * model_info follows), `spend`. Budget fields change the linked budget in place or create one;
   * `budget_id` links another budget instead (not both).
   */
  async updateTag(req: TagUpdateRequest, actor: Actor): Promise<{ message: string; tag: TagConfig }> {
    assertProxyAdmin(actor.auth);
    const fields = this.budgets.pickBudgetFields(req);
    const ownBudget = this.budgets.hasBudgetFields(fields);
    if (ownBudget && req.budget_id != null) throw budgetAndBudgetId();
    const row = await this.changes.run(actor, async (change) => {
      const tx = change.tx;
      const locked = await tx.$queryRaw<{ tag_name: string }[]>`
        SELECT tag_name FROM "LiteLLM_TagTable" WHERE tag_name = ${req.name} FOR UPDATE`;
      if (locked.length === 0) throw tagNotFound(req.name);
      const before = await tx.liteLLM_TagTable.findUniqueOrThrow({ where: { tag_name: req.name } });
      const data: Prisma.LiteLLM_TagTableUncheckedUpdateInput = {};
      if (req.description !== undefined) data.description = req.description;
      if (req.models !== undefined) {
        const models = req.models ?? [];
        data.models = models;
        data.model_info = await this.modelInfo(models, tx);
      }
      if (req.spend != null) data.spend = req.spend;
      if (req.budget_id != null) {
        data.budget_id = await this.budgets.requireBudget(req.budget_id, tx);
      } else if (ownBudget) {
        data.budget_id = await this.budgets.saveLinkedBudget(before.budget_id, fields, actor, tx);
      }
      const updated = await tx.liteLLM_TagTable.update({ where: { tag_name: req.name }, data });
      await change.audit({ action: 'updated', table: TAG_TABLE, objectId: req.name, before, after: req });
      return updated;
    });
    return { message: `Tag ${req.name} updated successfully`, tag: tagConfig(row) };
  }

  /** The tags keyed by name, with their budget. Any unknown name → 404 naming them all. */
  async tagInfo(names: string[]): Promise<Record<string, TagConfig>> {
    const unique = [...new Set(names)];
    const rows = await this.prisma.liteLLM_TagTable.findMany({
      where: { tag_name: { in: unique } },
      include: { litellm_budget_table: true },
    });
    const found = new Map(rows.map((r) => [r.tag_name, r]));
    const missing = unique.filter((n) => !found.has(n));
    if (missing.length > 0) {
      throw notFound(`Tags not found: ${JSON.stringify(missing)}`, 'names');
    }
    return Object.fromEntries(unique.map((n) => [n, tagWithBudget(found.get(n)!)]));
  }

  /**
   * Stored tags, then "dynamic" tags seen only in spend (LiteLLM_DailyTagSpend). Admin viewers see
   * everything; anyone else who reaches this route only the tags their own keys have spent on.
   */
  async listTags(query: TagListQuery, auth: AuthContext): Promise<TagConfig[]> {
    const window = dateWindow(query.start_date, query.end_date);
    const scopedKeys = isAdminViewer(auth.role) ? undefined : await this.keysOf(auth);
    const spendWhere: Prisma.LiteLLM_DailyTagSpendWhereInput = {
      tag: { not: null },
      ...(scopedKeys ? { api_key: { in: scopedKeys } } : {}),
      ...(window ? { date: { gte: window.start, lte: window.end } } : {}),
    };
    const dynamic = await this.prisma.liteLLM_DailyTagSpend.groupBy({
      by: ['tag'],
      where: spendWhere,
      _min: { created_at: true },
      _max: { updated_at: true },
      orderBy: { tag: 'asc' },
    });
    const used = dynamic.map((d) => d.tag).filter((t): t is string => t !== null);
    if (scopedKeys && used.length === 0) return [];
    const stored = await this.prisma.liteLLM_TagTable.findMany({
      where: scopedKeys ? { tag_name: { in: used } } : {},
      include: { litellm_budget_table: true },
      orderBy: { tag_name: 'asc' },
    });
    const storedNames = new Set(stored.map((s) => s.tag_name));
    return [
      ...stored.map(tagWithBudget),
      ...dynamic
        .filter((d) => d.tag !== null && !storedNames.has(d.tag))
        .map((d) => ({
          name: d.tag!,
          description: DYNAMIC_TAG_DESCRIPTION,
          models: null,
          created_at: d._min.created_at!,
          updated_at: d._max.updated_at!,
        })),
    ];
  }

  /** Deletes the tag; its budget row stays (LiteLLM). */
  async deleteTag(name: string, actor: Actor): Promise<{ message: string }> {
    assertProxyAdmin(actor.auth);
    await this.changes.run(actor, async (change) => {
      const tx = change.tx;
      const locked = await tx.$queryRaw<LiteLLM_TagTable[]>`
        SELECT * FROM "LiteLLM_TagTable" WHERE tag_name = ${name} FOR UPDATE`;
      if (locked.length === 0) throw tagNotFound(name);
      await tx.liteLLM_TagTable.delete({ where: { tag_name: name } });
      await change.audit({ action: 'deleted', table: TAG_TABLE, objectId: name, before: locked[0] });
    });
    return { message: `Tag ${name} deleted successfully` };
  }

  // ---- Helpers -------------------------------------------------------------------------------

  /**
   * Tagged deployments changed in the model table: every pod's model registry (this one's too, it
   * listens on the same bus) reloads. After commit; a failed announcement is logged, not answered.
   */
  private async modelsChanged(): Promise<void> {
    try {
      await this.bus.publish({ scope: 'models' });
    } catch (e) {
      this.logger.error({ msg: 'could not announce tagged models', error: (e as Error).message });
    }
  }

  /** `{model_id: model_name}` for the entries that are ids of stored deployments (LiteLLM). */
  private async modelInfo(models: string[], tx: Tx): Promise<Prisma.InputJsonObject> {
    if (models.length === 0) return {};
    const rows = await tx.liteLLM_ProxyModelTable.findMany({
      where: { model_id: { in: models } },
      select: { model_id: true, model_name: true },
    });
    return Object.fromEntries(rows.map((r) => [r.model_id, r.model_name]));
  }

  /**
   * Appends the tag to `litellm_params.tags` of the stored deployments whose id or name is listed,
   * in one statement (rows whose params are not a JSON object are left alone). Returns their ids.
   * LiteLLM_ProxyModelTable has no owner yet: tags write these tags only, a column-level row of the
   * README's "Who writes which table", until gateway/ owns the model table and this moves there.
   */
  private async tagDeployments(tag: string, models: string[], tx: Tx): Promise<string[]> {
    if (models.length === 0) return [];
    const rows = await tx.$queryRaw<{ model_id: string }[]>`
      UPDATE "LiteLLM_ProxyModelTable" SET
        litellm_params = jsonb_set(
          litellm_params,
          '{tags}',
          (CASE WHEN jsonb_typeof(litellm_params->'tags') = 'array' THEN litellm_params->'tags' ELSE '[]'::jsonb END)
            || jsonb_build_array(${tag}::text)),
        updated_at = now()
      WHERE (model_id = ANY(${models}) OR model_name = ANY(${models}))
        AND jsonb_typeof(litellm_params) = 'object'
        AND NOT COALESCE(jsonb_typeof(litellm_params->'tags') = 'array' AND litellm_params->'tags' @> jsonb_build_array(${tag}::text), false)
      RETURNING model_id`;
    return rows.map((r) => r.model_id);
  }

  /** The caller's own key hashes (every key they own, plus the one they call with). */
  private async keysOf(auth: AuthContext): Promise<string[]> {
    const keys = new Set<string>();
    if (!auth.isMasterKey) keys.add(auth.apiKey);
    if (auth.userId) {
      const rows = await this.prisma.liteLLM_VerificationToken.findMany({
        where: { user_id: auth.userId },
        select: { token: true },
      });
      for (const r of rows) keys.add(r.token);
    }
    return [...keys];
  }

  private actorId(auth: AuthContext): string {
    return this.audit.actorId(auth);
  }
}

function tagConfig(row: LiteLLM_TagTable): TagConfig {
  return {
    name: row.tag_name,
    description: row.description,
    models: row.models,
    model_info: asModelInfo(row.model_info),
    created_at: row.created_at,
    updated_at: row.updated_at,
    created_by: row.created_by,
    spend: row.spend,
  };
}

function tagWithBudget(row: TagWithBudget): TagConfig {
  const out = tagConfig(row);
  if (row.litellm_budget_table) out.litellm_budget_table = row.litellm_budget_table;
  return out;
}

/** model_info may have been written by LiteLLM as a JSON string. */
function asModelInfo(value: unknown): Record<string, string> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, string>)
    : {};
}

/** LiteLLM's rules: both dates or neither, YYYY-MM-DD, start on or before end (400). */
function dateWindow(start?: string, end?: string): { start: string; end: string } | undefined {
  if ((start === undefined) !== (end === undefined)) {
    throw badRequest(
      'start_date and end_date must be provided together',
      start === undefined ? 'start_date' : 'end_date',
    );
  }
  if (start === undefined || end === undefined) return undefined;
  for (const [name, value] of [
    ['start_date', start],
    ['end_date', end],
  ] as const) {
    if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || !sameDay(value)) {
      throw badRequest(`Invalid date format, expected YYYY-MM-DD: ${name}=${value}`, name);
    }
  }
  if (start > end) throw badRequest('start_date must be on or before end_date', 'start_date');
  return { start, end };
}

/** Rejects dates such as 2026-02-30 that Date.parse rolls over. */
function sameDay(value: string): boolean {
  return new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
}

function assertProxyAdmin(auth: AuthContext): void {
  if (!isProxyAdmin(auth.role)) {
    throw forbidden(`Admin-only endpoint. Not allowed to access this., your role=${auth.role ?? 'None'}`);
  }
}

function duplicateTag(name: string): ApiError {
  return badRequest(`Tag ${name} already exists`, 'name');
}

function tagNotFound(name: string): ApiError {
  return notFound(`Tag ${name} not found`, 'name');
}

function budgetAndBudgetId(): ApiError {
  return badRequest(
    "Set either budget fields (max_budget, soft_budget, tpm_limit, rpm_limit, max_parallel_requests, budget_duration, model_max_budget, budget_reset_at) or 'budget_id', not both.",
    'budget_id',
  );
}
