import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isAdminViewer } from '../../platform/auth/roles';
import { badRequest, forbidden, notFound } from '../../platform/common/errors/api-error';
import { pageWindow, totalPages } from '../../platform/common/pagination';
import { OrganizationsService } from '../organizations/organizations.service';
import { pickModel, selectModel } from '../../platform/prisma/model-columns';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { KEY_SORT_FIELDS, KeyAliasesQuery, KeyListQuery } from './dto/key.requests';
import { KeyAccessService } from './key-access.service';
import { KeyRow, toTokenHash } from './key-data';

/** The UI session team; its keys never show in lists (LiteLLM). */
const DASHBOARD_TEAM = 'litellm-dashboard';
/** An admin's list needs no memberships. */
const NO_MEMBERSHIPS = Prisma.sql`NULL::text[]`;

const INFO_INCLUDE = { litellm_budget_table: true, object_permission: true } as const;
type KeyListRow = Prisma.LiteLLM_VerificationTokenGetPayload<object>;
type KeyInfoRow = Prisma.LiteLLM_VerificationTokenGetPayload<{ include: typeof INFO_INCLUDE }>;

/**
 * Read side of keys: info, list, aliases, and the row the write paths start from. Lists are
 * paginated and served by indexes.
 */
@Injectable()
export class KeyQueriesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly access: KeyAccessService,
    private readonly organizations: OrganizationsService,
  ) {}

  /** The row of a key hash, with its budget: what the write paths check and change. */
  findRow(token: string): Promise<KeyRow | null> {
    return this.prisma.liteLLM_VerificationToken.findUnique({
      where: { token },
      include: { litellm_budget_table: true },
    });
  }

  /** GET /key/info: `key` defaults to the caller's own key. */
  async info(caller: AuthContext, key: string | undefined) {
    const token = key ? toTokenHash(key) : caller.apiKey;
    const row = await this.findInfoRow(token);
    if (!row) throw notFound('Key not found in database', 'key');
    await this.access.checkRead(caller, row);
    const { token: _hidden, ...info } = row;
    return { key: key ?? token, info };
  }

  /**
   * The key with its budget and object permission, as `findUnique({ include: INFO_INCLUDE })`
   * returns it, in one statement: the include costs a query per relation, and this is the
   * hottest management read.
   */
  private async findInfoRow(token: string): Promise<KeyInfoRow | null> {
    const rows = await this.prisma.queryRows<Record<string, unknown>>(Prisma.sql`
      SELECT ${selectModel('LiteLLM_VerificationToken', 'v', '')},
             ${selectModel('LiteLLM_BudgetTable', 'b', 'b.')},
             ${selectModel('LiteLLM_ObjectPermissionTable', 'o', 'o.')}
      FROM "LiteLLM_VerificationToken" v
      LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = v.budget_id
      LEFT JOIN "LiteLLM_ObjectPermissionTable" o ON o.object_permission_id = v.object_permission_id
      WHERE v.token = ${token}`);
    const row = rows[0];
    if (!row) return null;
    const key = pickModel<Omit<KeyInfoRow, keyof typeof INFO_INCLUDE>>(
      row,
      'LiteLLM_VerificationToken',
      '',
      'token',
    )!;
    return {
      ...key,
      litellm_budget_table: pickModel(row, 'LiteLLM_BudgetTable', 'b.', 'budget_id'),
      object_permission: pickModel(row, 'LiteLLM_ObjectPermissionTable', 'o.', 'object_permission_id'),
    };
  }

  /** POST /v2/key/info: several keys; each must be readable by the caller. */
  async infoMany(caller: AuthContext, keys: string[]) {
    const tokens = [...new Set(keys.map(toTokenHash))];
    const rows = await this.prisma.liteLLM_VerificationToken.findMany({
      where: { token: { in: tokens } },
      include: INFO_INCLUDE,
    });
    for (const row of rows) await this.access.checkRead(caller, row);
    return { key: keys, info: rows };
  }

  /** GET /key/list. */
  async list(caller: AuthContext, q: KeyListQuery) {
    const page = q.page ?? 1;
    const size = q.size ?? 10;
    if (q.sort_by && !(KEY_SORT_FIELDS as readonly string[]).includes(q.sort_by)) {
      throw badRequest(
        `Invalid sort_by '${q.sort_by}'. Must be one of: ${KEY_SORT_FIELDS.join(', ')}`,
        'sort_by',
      );
    }
    if (q.status !== undefined && q.status !== 'deleted') {
      throw badRequest(`Invalid status '${q.status}'. Only 'deleted' is supported`, 'status');
    }
    // Raw statements: this is a hot read, and Prisma's query compiler costs more CPU than the
    // database does here. Same conditions, order and window as the model query they replace.
    const model = q.status === 'deleted' ? 'LiteLLM_DeletedVerificationToken' : 'LiteLLM_VerificationToken';
    const scope = this.visibility(caller, q);
    const where = Prisma.join(
      [scope.where, ...this.filters(q), Prisma.sql`(k.team_id IS NULL OR k.team_id <> ${DASHBOARD_TEAM})`],
      ' AND ',
    );
    const direction = Prisma.raw(q.sort_by && q.sort_order === 'asc' ? 'ASC' : 'DESC');
    // sort_by is one of KEY_SORT_FIELDS (checked above), all plain column names.
    const orderBy = Prisma.raw(`k."${q.sort_by ?? 'created_at'}"`);
    const { skip, take } = pageWindow(page, size);
    const table = Prisma.raw(`"${model}"`);
    const pageSql = Prisma.sql`
      SELECT ${selectModel(model, 'k', '')} FROM ${table} k WHERE ${where}
      ORDER BY ${orderBy} ${direction}, k.token DESC LIMIT ${take} OFFSET ${skip}`;
    const countSql = Prisma.sql`SELECT count(*) AS total FROM ${table} k WHERE ${where}`;
    let total: number;
    let pageRows: KeyListRow[];
    if (scope.memberships === NO_MEMBERSHIPS) {
      // Admins list the whole table: the count and a deep or re-sorted page are each a scan of
      // it, so they run side by side on two connections (one statement would run them in turn:
      // 12-20% slower for page 2,000 and sort_by=spend on 300k keys, bench/key-list.mjs).
      const [rows, counted] = await Promise.all([
        this.prisma.queryRows<Record<string, unknown>>(pageSql),
        this.prisma.queryRows<{ total: bigint }>(countSql),
      ]);
      total = Number(counted[0].total);
      pageRows = rows.map((r) => pickModel<KeyListRow>(r, model, '', 'token')!);
    } else {
      // Everyone else sees a few keys, where the round trip is the cost: the count, the page and
      // the caller's team memberships (for the team_id check) in one statement; one row of nulls
      // (but those) when the page is empty.
      const rows = await this.prisma.queryRows<Record<string, unknown>>(Prisma.sql`
        ${scope.with}
        SELECT c.total AS "#total", ${scope.memberships} AS "#memberships", p.*
        FROM (${countSql}) c LEFT JOIN (${pageSql}) p ON TRUE`);
      await this.checkScope(caller, q, (rows[0]['#memberships'] as string[] | null) ?? []);
      total = Number(rows[0]['#total'] as bigint);
      pageRows = rows.flatMap((r) => pickModel<KeyListRow>(r, model, '', 'token') ?? []);
    }
    const keys =
      q.return_full_object || q.expand ? await this.expand(pageRows, q.expand) : pageRows.map((r) => r.token);
    return { keys, total_count: total, current_page: page, total_pages: totalPages(total, size) };
  }

  /** GET /key/aliases: non-admins see the aliases of keys they can list. */
  async aliases(caller: AuthContext, q: KeyAliasesQuery) {
    const page = q.page ?? 1;
    const size = q.size ?? 50;
    const where: Prisma.LiteLLM_VerificationTokenWhereInput = {
      key_alias: q.search ? { contains: q.search, mode: 'insensitive' } : { not: null },
      ...(isAdminViewer(caller.role) ? {} : { user_id: caller.userId ?? '\u0000' }),
    };
    const { skip, take } = pageWindow(page, size);
    const [rows, total] = await Promise.all([
      this.prisma.liteLLM_VerificationToken.findMany({
        where,
        select: { key_alias: true },
        orderBy: { key_alias: 'asc' },
        distinct: ['key_alias'],
        skip,
        take,
      }),
      this.prisma.liteLLM_VerificationToken.count({ where }),
    ]);
    return {
      aliases: rows.map((r) => r.key_alias),
      total_count: total,
      current_page: page,
      total_pages: totalPages(total, size),
      size,
    };
  }

  /**
   * Which keys a caller may list at all (spec tenancy.md §4.8). Admins and viewers: every key.
   * Others: their own keys, the unowned keys of their teams, with include_team_keys every key of
   * the teams they administer, with include_created_by_keys the keys they created. Their teams
   * (members_with_roles, as TeamsService.teamsOfUser reads them) are read in the same statement,
   * and returned (`"#memberships"`) for the team_id check.
   */
  private visibility(
    caller: AuthContext,
    q: KeyListQuery,
  ): { with: Prisma.Sql; where: Prisma.Sql; memberships: Prisma.Sql } {
    if (isAdminViewer(caller.role))
      return { with: Prisma.empty, where: Prisma.sql`TRUE`, memberships: NO_MEMBERSHIPS };
    const me = caller.userId;
    if (!me) throw forbidden('You are not authorized to list keys: your key has no user_id', 'user_id');
    if (q.user_id && q.user_id !== me)
      throw forbidden("You are not authorized to check another user's keys", 'user_id');
    const visible = [
      Prisma.sql`k.user_id = ${me}`,
      Prisma.sql`(k.user_id IS NULL AND k.team_id = ANY(ARRAY(SELECT team_id FROM mine)))`,
    ];
    if (q.include_team_keys)
      visible.push(Prisma.sql`k.team_id = ANY(ARRAY(SELECT team_id FROM mine WHERE role = 'admin'))`);
    if (q.include_created_by_keys) visible.push(Prisma.sql`k.created_by = ${me}`);
    return {
      with: Prisma.sql`WITH mine AS (
        SELECT t.team_id, m->>'role' AS role
        FROM "LiteLLM_TeamTable" t, jsonb_array_elements(CASE WHEN jsonb_typeof(t.members_with_roles) = 'array' THEN t.members_with_roles ELSE '[]'::jsonb END) m
        WHERE m->>'user_id' = ${me})`,
      where: Prisma.sql`(${Prisma.join(visible, ' OR ')})`,
      memberships: Prisma.sql`ARRAY(SELECT team_id FROM mine)`,
    };
  }

  /** A non-admin's team_id and organization_id filters must name their own team and organization. */
  private async checkScope(caller: AuthContext, q: KeyListQuery, memberOf: string[]): Promise<void> {
    const me = caller.userId!;
    if (q.team_id && !memberOf.includes(q.team_id)) {
      throw forbidden(`You are not authorized to check this team's keys. team_id=${q.team_id}`, 'team_id');
    }
    if (q.organization_id && !(await this.organizations.isMember(me, q.organization_id))) {
      throw forbidden(
        `You are not authorized to check this organization's keys. organization_id=${q.organization_id}`,
        'organization_id',
      );
    }
  }

  private filters(q: KeyListQuery): Prisma.Sql[] {
    const where: Prisma.Sql[] = [];
    if (q.user_id) where.push(Prisma.sql`k.user_id = ${q.user_id}`);
    if (q.team_id) where.push(Prisma.sql`k.team_id = ${q.team_id}`);
    if (q.organization_id) where.push(Prisma.sql`k.organization_id = ${q.organization_id}`);
    if (q.key_hash) where.push(Prisma.sql`k.token = ${toTokenHash(q.key_hash)}`);
    if (q.key_alias) where.push(Prisma.sql`k.key_alias = ${q.key_alias}`);
    if (q.project_id) where.push(Prisma.sql`k.project_id = ${q.project_id}`);
    if (q.access_group_id) where.push(Prisma.sql`${q.access_group_id} = ANY(k.access_group_ids)`);
    return where;
  }

  private async expand<T extends { user_id: string | null }>(rows: T[], expand: string | undefined) {
    if (expand !== 'user') return rows;
    const ids = [...new Set(rows.map((r) => r.user_id).filter((id): id is string => id !== null))];
    const users = await this.prisma.liteLLM_UserTable.findMany({
      where: { user_id: { in: ids } },
      select: { user_id: true, user_email: true, user_alias: true, user_role: true },
    });
    const byId = new Map(users.map((u) => [u.user_id, u]));
    return rows.map((r) => ({ ...r, user: r.user_id ? (byId.get(r.user_id) ?? null) : null }));
  }
}
