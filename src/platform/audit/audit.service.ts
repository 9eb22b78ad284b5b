import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';
import type { AuthContext } from '../auth/auth-context';
import { PrismaService } from '../prisma/prisma.service';

export type AuditAction = 'created' | 'updated' | 'deleted' | 'blocked' | 'unblocked' | 'rotated';

export interface AuditEntry {
  action: AuditAction;
  /** LiteLLM's table name, e.g. `LiteLLM_VerificationToken`. */
  table: string;
  objectId: string;
  before?: unknown;
  after?: unknown;
}

/** Who made a change: the caller plus the `litellm-changed-by` header when present. */
export interface Actor {
  auth: AuthContext;
  changedByHeader?: string;
}

type Db = Pick<Prisma.TransactionClient, 'liteLLM_AuditLog'>;

/**
 * `LiteLLM_AuditLog` rows for management changes (LiteLLM keeps these for paying users; here
 * they are on unless LITELLM_STORE_AUDIT_LOGS=false). Written in the caller's transaction so a
 * change and its audit row land together. Values of fields whose name contains "key" are masked.
 */
@Injectable()
export class AuditService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
  ) {}

  get enabled(): boolean {
    return this.config.storeAuditLogs;
  }

  /** Who acts, for `created_by` / `updated_by` / `deleted_by`: the caller's user id, else the proxy admin id (LiteLLM). */
  actorId(auth: AuthContext): string {
    return auth.userId || this.config.proxyAdminId;
  }

  /** The `changed_by` value: the header when sent, else the acting user. */
  changedBy(actor: Actor): string {
    return actor.changedByHeader || this.actorId(actor.auth);
  }

  async record(actor: Actor, entry: AuditEntry, db: Db = this.prisma): Promise<void> {
    if (!this.enabled) return;
    await db.liteLLM_AuditLog.create({
      data: {
        changed_by: this.changedBy(actor),
        changed_by_api_key: actor.auth.apiKey,
        action: entry.action,
        table_name: entry.table,
        object_id: entry.objectId,
        before_value: toJson(entry.before),
        updated_values: toJson(entry.after),
      },
    });
  }
}

function toJson(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  if (value === undefined || value === null) return Prisma.DbNull;
  return JSON.parse(JSON.stringify(value, maskKeys)) as Prisma.InputJsonValue;
}

function maskKeys(this: unknown, name: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (name !== '' && /key/i.test(name) && typeof value === 'string' && value.length > 0)
    return maskSecret(value);
  return value;
}

/** An audit "after" value without its null and undefined fields, as LiteLLM's are written. */
export function withoutNulls(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

/** `sk-a****wxyz`: enough to recognise, not enough to use. */
export function maskSecret(value: string): string {
  if (value.length <= 8) return '****';
  return `${value.slice(0, 4)}****${value.slice(-4)}`;
}
