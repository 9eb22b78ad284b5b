import { Injectable } from '@nestjs/common';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isProxyAdmin } from '../../platform/auth/roles';
import { ApiError, badRequest, forbidden, notFound } from '../../platform/common/errors/api-error';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import type { KeyBulkUpdateRequest, KeyUpdateRequest } from './dto/key.requests';
import { KeyAccessService } from './key-access.service';
import { assertKeyAliasFree } from './key-alias';
import { KEY_TABLE, keyColumns, KeyRow, toTokenHash, validateKeyFields } from './key-data';
import { KeyQueriesService } from './key-queries.service';
import { KeyReferencesService } from './key-references.service';

const MAX_BULK = 500;

/** Changing keys: /key/update and /key/bulk_update (LiteLLM spec tenancy.md §4). */
@Injectable()
export class KeyUpdateService {
  constructor(
    private readonly access: KeyAccessService,
    private readonly queries: KeyQueriesService,
    private readonly references: KeyReferencesService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
    private readonly objectPermissions: ObjectPermissionService,
  ) {}

  /** POST /key/update. */
  async update(actor: Actor, req: KeyUpdateRequest) {
    const { auth } = actor;
    const now = new Date();
    const token = toTokenHash(req.key);
    const existing = await this.queries.findRow(token);
    if (!existing)
      throw notFound(
        `Key not found, passed key=${req.key.startsWith('sk-') ? `sk-...${req.key.slice(-4)}` : token}`,
        'key',
      );
    await this.access.checkUpdate(auth, existing);
    await this.validateUpdate(auth, existing, req);

    const columns = keyColumns(req, now, (existing.metadata ?? {}) as Record<string, unknown>);
    const updatedBy = this.audit.actorId(auth);
    const row = await this.changes.run(actor, async (change) => {
      const tx = change.tx;
      if (req.key_alias && req.key_alias !== existing.key_alias)
        await assertKeyAliasFree(tx, req.key_alias, token);
      const budgetId = await this.references.saveSoftBudget(tx, actor, req, existing.budget_id);
      const objectPermissionId = req.object_permission
        ? await this.objectPermissions.save(req.object_permission, existing.object_permission_id, tx)
        : undefined;
      const updated = await tx.liteLLM_VerificationToken.update({
        where: { token },
        data: {
          ...columns,
          ...(budgetId ? { budget_id: budgetId } : {}),
          ...(objectPermissionId ? { object_permission_id: objectPermissionId } : {}),
          updated_by: updatedBy,
        },
        include: { litellm_budget_table: true },
      });
      const { key: _sent, ...after } = req;
      await change.audit({ action: 'updated', table: KEY_TABLE, objectId: token, before: existing, after });
      change.invalidatesKeys(token);
      return updated;
    });
    return { ...row, key: req.key };
  }

  /** POST /key/bulk_update (proxy admin only): each key through the normal update path. */
  async bulkUpdate(actor: Actor, req: KeyBulkUpdateRequest) {
    if (!isProxyAdmin(actor.auth.role)) throw forbidden('Only proxy admins can perform bulk key updates');
    if (req.keys.length === 0) throw badRequest('No keys provided for update', 'keys');
    if (req.keys.length > MAX_BULK)
      throw badRequest(
        `Maximum ${MAX_BULK} keys can be updated at once. Found ${req.keys.length} keys.`,
        'keys',
      );
    const successful: { key: string; key_info: unknown }[] = [];
    const failed: { key: string; key_info: unknown; failed_reason: string }[] = [];
    for (const item of req.keys) {
      const { tags, ...fields } = item;
      try {
        const updated = await this.update(actor, {
          ...fields,
          ...(tags !== undefined ? { tags } : {}),
        } as KeyUpdateRequest);
        successful.push({ key: item.key, key_info: updated });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        failed.push({ key: item.key, key_info: item, failed_reason: e.message });
      }
    }
    return { total_requested: req.keys.length, successful_updates: successful, failed_updates: failed };
  }

  private async validateUpdate(auth: AuthContext, existing: KeyRow, req: KeyUpdateRequest) {
    validateKeyFields(req);
    this.access.checkPassthroughRoutes(auth, req);
    if ((req.temp_budget_increase == null) !== (req.temp_budget_expiry == null)) {
      throw new ApiError(
        422,
        'temp_budget_increase and temp_budget_expiry must be set together',
        'validation_error',
        'temp_budget_increase',
      );
    }
    if (req.user_id !== undefined && req.user_id !== existing.user_id && !isProxyAdmin(auth.role)) {
      throw forbidden('Only proxy admins can change the user_id of a key', 'user_id');
    }
    if (req.team_id && req.team_id !== existing.team_id) {
      const models = req.models ?? existing.models;
      const tpm =
        req.tpm_limit !== undefined
          ? req.tpm_limit === null
            ? null
            : BigInt(req.tpm_limit)
          : existing.tpm_limit;
      const rpm =
        req.rpm_limit !== undefined
          ? req.rpm_limit === null
            ? null
            : BigInt(req.rpm_limit)
          : existing.rpm_limit;
      const userId = req.user_id !== undefined ? req.user_id : existing.user_id;
      await this.access.checkTeamChange(
        auth,
        { ...existing, user_id: userId, models, tpm_limit: tpm, rpm_limit: rpm },
        req.team_id,
      );
    }
    await this.references.checkReferences(req);
  }
}
