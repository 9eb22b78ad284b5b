import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isAdminViewer, isProxyAdmin } from '../../platform/auth/roles';
import { isUniqueViolation } from '../budgets/budgets.service';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../platform/common/errors/api-error';
import { hashApiKey } from '../../platform/common/hashing';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { AccessGroupHolders, auditLinks, HolderKind, LinkChange } from './access-group-links';
import { AccessGroupView, accessGroupViews, attachedTeamIds, type McpServerNames } from './access-group-view';
import type { AccessGroupCreateRequest, AccessGroupUpdateRequest } from './access-groups.dto';

const GROUP_TABLE = 'LiteLLM_AccessGroupTable';
/** Resource lists stored as sent (team and key lists are handled with their links). */
const RESOURCE_FIELDS = ['access_model_names', 'access_mcp_server_ids', 'access_agent_ids'] as const;
/** Many audit rows (one per team and key linked) fit in one transaction. */
const TRANSACTION = { timeout: 30_000 };
/** Above this many changed keys the whole auth cache is evicted instead of key by key. */
const KEY_EVICTION_LIMIT = 500;

type Tx = Prisma.TransactionClient;

/** Teams and keys that gain or lose the group id. */
interface Delta {
  addTeams: string[];
  removeTeams: string[];
  addKeys: string[];
  removeKeys: string[];
}

/**
 * Access groups (`/v1/access_group`): named sets of models, MCP servers and agents granted to
 * teams and keys through their `access_group_ids`. The group row, the team and key arrays and the
 * audit rows are one change (ChangesService): one transaction, then the changed teams and keys leave
 * every pod's auth cache. The arrays belong to the teams and keys domains, which sit above this one:
 * they plug their writers in at start-up (`useHolders`), and rows are locked teams first, each in id
 * order, so two groups changing the same rows wait for each other instead of deadlocking.
 */
@Injectable()
export class AccessGroupsService {
  private readonly holders = new Map<HolderKind, AccessGroupHolders>();

  /** Until the MCP domain plugs in its names (`useMcpServerNames`), servers are shown without one. */
  private mcpNames: McpServerNames = () => Promise.resolve(new Map());

  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
  ) {}

  /** The MCP domain, which owns LiteLLM_MCPServerTable, names the groups' servers (at start-up). */
  useMcpServerNames(names: McpServerNames): void {
    this.mcpNames = names;
  }

  /** The teams and keys domains register the writers of their `access_group_ids` here at start-up. */
  useHolders(kind: HolderKind, holders: AccessGroupHolders): void {
    this.holders.set(kind, holders);
  }

  /** Duplicate name → 409; unknown teams or keys → 400 and nothing is created. */
  async createAccessGroup(req: AccessGroupCreateRequest, actor: Actor): Promise<AccessGroupView> {
    assertProxyAdmin(actor.auth);
    const teamIds = distinct(req.assigned_team_ids ?? []);
    const keyIds = distinct((req.assigned_key_ids ?? []).map(keyHash));
    const by = this.actorId(actor.auth);
    try {
      const group = await this.changes.run(
        actor,
        async (change) => {
          const existing = await change.tx.liteLLM_AccessGroupTable.findUnique({
            where: { access_group_name: req.access_group_name },
            select: { access_group_id: true },
          });
          if (existing) throw duplicateGroup(req.access_group_name);
          await this.lockLinked(change.tx, teamIds, keyIds);
          const created = await change.tx.liteLLM_AccessGroupTable.create({
            data: {
              access_group_name: req.access_group_name,
              description: req.description ?? null,
              access_model_names: distinct(req.access_model_names ?? []),
              access_mcp_server_ids: distinct(req.access_mcp_server_ids ?? []),
              access_agent_ids: distinct(req.access_agent_ids ?? []),
              assigned_team_ids: teamIds,
              assigned_key_ids: keyIds,
              created_by: by,
              updated_by: by,
            },
          });
          const id = created.access_group_id;
          await this.applyLinks(change, id, {
            addTeams: teamIds,
            removeTeams: [],
            addKeys: keyIds,
            removeKeys: [],
          });
          await change.audit({ action: 'created', table: GROUP_TABLE, objectId: id, after: created });
          return created;
        },
        TRANSACTION,
      );
      return (await accessGroupViews(this.prisma, [group], this.mcpNames))[0];
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateGroup(req.access_group_name);
      throw e;
    }
  }

  /** Newest first. Proxy admins and admin viewers. */
  async listAccessGroups(auth: AuthContext): Promise<AccessGroupView[]> {
    assertAdminView(auth);
    const groups = await this.prisma.liteLLM_AccessGroupTable.findMany({
      orderBy: [{ created_at: 'desc' }, { access_group_id: 'asc' }],
    });
    return accessGroupViews(this.prisma, groups, this.mcpNames);
  }

  async getAccessGroup(id: string, auth: AuthContext): Promise<AccessGroupView> {
    assertAdminView(auth);
    const group = await this.prisma.liteLLM_AccessGroupTable.findUnique({ where: { access_group_id: id } });
    if (!group) throw groupNotFound(id);
    return (await accessGroupViews(this.prisma, [group], this.mcpNames))[0];
  }

  /**
   * Only the fields sent change (a list sent as null becomes []). New team and key lists replace
   * the old ones: teams and keys added get the group id, those left out lose it. Rename onto an
   * existing name → 409; unknown teams or keys → 400; nothing changes then.
   */
  async updateAccessGroup(id: string, req: AccessGroupUpdateRequest, actor: Actor): Promise<AccessGroupView> {
    assertProxyAdmin(actor.auth);
    const newTeams = req.assigned_team_ids !== undefined ? distinct(req.assigned_team_ids ?? []) : undefined;
    const newKeys =
      req.assigned_key_ids !== undefined ? distinct((req.assigned_key_ids ?? []).map(keyHash)) : undefined;
    try {
      const group = await this.changes.run(
        actor,
        async (change) => {
          const tx = change.tx;
          const before = await this.lockGroup(tx, id);
          if (req.access_group_name !== undefined && req.access_group_name !== before.access_group_name) {
            const clash = await tx.liteLLM_AccessGroupTable.findUnique({
              where: { access_group_name: req.access_group_name },
              select: { access_group_id: true },
            });
            if (clash) throw duplicateGroup(req.access_group_name);
          }
          const oldTeams = await attachedTeamIds(tx, before);
          const oldKeys = before.assigned_key_ids;
          const delta: Delta = {
            addTeams: newTeams ? newTeams.filter((t) => !oldTeams.includes(t)) : [],
            removeTeams: newTeams ? oldTeams.filter((t) => !newTeams.includes(t)) : [],
            addKeys: newKeys ? newKeys.filter((k) => !oldKeys.includes(k)) : [],
            removeKeys: newKeys ? oldKeys.filter((k) => !newKeys.includes(k)) : [],
          };
          await this.lockLinked(
            tx,
            [...delta.addTeams, ...delta.removeTeams],
            [...delta.addKeys, ...delta.removeKeys],
            { teams: delta.addTeams, keys: delta.addKeys },
          );

          const data: Prisma.LiteLLM_AccessGroupTableUpdateInput = { updated_by: this.actorId(actor.auth) };
          if (req.access_group_name !== undefined) data.access_group_name = req.access_group_name;
          if (req.description !== undefined) data.description = req.description;
          for (const field of RESOURCE_FIELDS) {
            if (req[field] !== undefined) data[field] = distinct(req[field] ?? []);
          }
          if (newTeams) data.assigned_team_ids = newTeams;
          if (newKeys) data.assigned_key_ids = newKeys;
          const updated = await tx.liteLLM_AccessGroupTable.update({ where: { access_group_id: id }, data });
          await this.applyLinks(change, id, delta);
          await change.audit({
            action: 'updated',
            table: GROUP_TABLE,
            objectId: id,
            before,
            after: { ...req, ...delta },
          });
          return updated;
        },
        TRANSACTION,
      );
      return (await accessGroupViews(this.prisma, [group], this.mcpNames))[0];
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateGroup(req.access_group_name ?? '');
      throw e;
    }
  }

  /** Removes the group id from every team and key that carries it, then deletes the row. */
  async deleteAccessGroup(id: string, actor: Actor): Promise<void> {
    assertProxyAdmin(actor.auth);
    await this.changes.run(
      actor,
      async (change) => {
        const before = await this.lockGroup(change.tx, id);
        const [teamHolders, keyHolders] = [this.holdersOf('teams'), this.holdersOf('keys')];
        const teams = await teamHolders.remove(change.tx, undefined, id);
        const keys = await keyHolders.remove(change.tx, undefined, id);
        await auditLinks(change, teamHolders.table, id, teams, false);
        await auditLinks(change, keyHolders.table, id, keys, false);
        this.invalidates(change, teams, keys);
        await change.tx.liteLLM_AccessGroupTable.delete({ where: { access_group_id: id } });
        await change.audit({ action: 'deleted', table: GROUP_TABLE, objectId: id, before });
      },
      TRANSACTION,
    );
  }

  // ---- Helpers -------------------------------------------------------------------------------

  private holdersOf(kind: HolderKind): AccessGroupHolders {
    const holders = this.holders.get(kind);
    if (!holders) throw new Error(`No ${kind} registered with AccessGroupsService (their module is missing)`);
    return holders;
  }

  private async lockGroup(tx: Tx, id: string) {
    const locked = await tx.$queryRaw<{ access_group_id: string }[]>`
      SELECT access_group_id FROM "LiteLLM_AccessGroupTable" WHERE access_group_id = ${id} FOR UPDATE`;
    if (locked.length === 0) throw groupNotFound(id);
    return tx.liteLLM_AccessGroupTable.findUniqueOrThrow({ where: { access_group_id: id } });
  }

  /**
   * Locks the teams and keys about to change (teams first, each in id order). Those in `mustExist`
   * (default: all) must exist, else 400 naming them, as LiteLLM does for teams.
   */
  private async lockLinked(
    tx: Tx,
    teamIds: string[],
    keyIds: string[],
    mustExist: { teams: string[]; keys: string[] } = { teams: teamIds, keys: keyIds },
  ): Promise<void> {
    const missingTeams = (await this.holdersOf('teams').lock(tx, distinct(teamIds))).filter((t) =>
      mustExist.teams.includes(t),
    );
    if (missingTeams.length > 0) {
      throw badRequest(`Unknown team ids: ${[...missingTeams].sort().join(', ')}`, 'assigned_team_ids');
    }
    const missingKeys = (await this.holdersOf('keys').lock(tx, distinct(keyIds))).filter((k) =>
      mustExist.keys.includes(k),
    );
    if (missingKeys.length > 0) {
      throw badRequest(`Unknown key ids: ${[...missingKeys].sort().join(', ')}`, 'assigned_key_ids');
    }
  }

  /** Adds and removes the group id on teams and keys, with their audit rows and cache invalidations. */
  private async applyLinks(change: Change, id: string, delta: Delta): Promise<void> {
    const [teams, keys] = [this.holdersOf('teams'), this.holdersOf('keys')];
    const teamsAdded = await teams.add(change.tx, delta.addTeams, id);
    const teamsRemoved = await teams.remove(change.tx, delta.removeTeams, id);
    const keysAdded = await keys.add(change.tx, delta.addKeys, id);
    const keysRemoved = await keys.remove(change.tx, delta.removeKeys, id);
    await auditLinks(change, teams.table, id, teamsAdded, true);
    await auditLinks(change, teams.table, id, teamsRemoved, false);
    await auditLinks(change, keys.table, id, keysAdded, true);
    await auditLinks(change, keys.table, id, keysRemoved, false);
    this.invalidates(change, [...teamsAdded, ...teamsRemoved], [...keysAdded, ...keysRemoved]);
  }

  /** Changed teams and keys go stale in every pod's auth cache; past the limit of keys, the whole cache. */
  private invalidates(change: Change, teams: LinkChange[], keys: LinkChange[]): void {
    change.invalidatesTeams(...teams.map((t) => t.id));
    if (keys.length > KEY_EVICTION_LIMIT) change.invalidatesEverything();
    else change.invalidatesKeys(...keys.map((k) => k.id));
  }

  private actorId(auth: AuthContext): string {
    return this.audit.actorId(auth);
  }
}

const distinct = (values: string[]) => [...new Set(values)];

/** Keys are named by their stored hash; a raw `sk-` key is hashed first (never stored raw). */
const keyHash = (value: string) => (value.startsWith('sk-') ? hashApiKey(value) : value);

function assertProxyAdmin(auth: AuthContext): void {
  if (!isProxyAdmin(auth.role)) throw forbidden('Admin-only endpoint. Not allowed to access this.');
}

function assertAdminView(auth: AuthContext): void {
  if (!isAdminViewer(auth.role)) throw forbidden('Admin-only endpoint. Not allowed to access this.');
}

function duplicateGroup(name: string): ApiError {
  return conflict(`Access group '${name}' already exists`, 'access_group_name');
}

function groupNotFound(id: string): ApiError {
  return notFound(`Access group '${id}' not found`, 'access_group_id');
}
