import { AuthCacheService } from '../src/platform/auth/auth-cache.service';
import type { AuthContext } from '../src/platform/auth/auth-context';
import { ChangesService } from '../src/platform/audit/changes.service';
import type { Actor } from '../src/platform/audit/audit.service';
import { createUserWithKey } from './factories';
import { useE2e } from './harness';

/** ChangesService: the write and its audit rows commit together; the caches hear of it only after the commit. */
describe('ChangesService (record a change)', () => {
  const h = useE2e();
  const admin: AuthContext = {
    apiKey: 'master_key',
    isMasterKey: true,
    userId: null,
    role: 'proxy_admin',
    teamId: null,
    organizationId: null,
    key: null,
    team: null,
  };
  const actor: Actor = { auth: admin, changedByHeader: 'changes-spec' };

  /** A key whose lookup this pod has cached (one authenticated request). */
  async function cachedKey() {
    const owner = await createUserWithKey(h.prisma);
    await h.get('/user/available_roles', owner.headers).expect(200);
    expect(h.app.get(AuthCacheService).get(owner.token)).toBeDefined();
    return owner;
  }
  const auditRows = (token: string) =>
    h.prisma.liteLLM_AuditLog.count({ where: { object_id: token, changed_by: 'changes-spec' } });

  it('should evict nothing and leave no audit row when the change rolls back', async () => {
    const { token } = await cachedKey();
    const failing = h.app.get(ChangesService).run(actor, async (change) => {
      change.invalidatesKeys(token);
      await change.tx.liteLLM_VerificationToken.update({ where: { token }, data: { blocked: true } });
      await change.audit({ action: 'blocked', table: 'LiteLLM_VerificationToken', objectId: token });
      throw new Error('refused after the write');
    });
    await expect(failing).rejects.toThrow('refused after the write');
    expect(h.app.get(AuthCacheService).get(token)).toBeDefined();
    expect((await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token } }))!.blocked).toBeFalsy();
    expect(await auditRows(token)).toBe(0);
  });

  it('should commit the write with its audit row, then evict what it named', async () => {
    const { token, headers } = await cachedKey();
    await h.app.get(ChangesService).run(actor, async (change) => {
      await change.tx.liteLLM_VerificationToken.update({ where: { token }, data: { blocked: true } });
      await change.audit({ action: 'blocked', table: 'LiteLLM_VerificationToken', objectId: token });
      change.invalidatesKeys(token);
      // Still cached while the transaction is open: eviction waits for the commit.
      expect(h.app.get(AuthCacheService).get(token)).toBeDefined();
    });
    expect(h.app.get(AuthCacheService).get(token)).toBeUndefined();
    expect(await auditRows(token)).toBe(1);
    await h.get('/user/available_roles', headers).expect(401); // blocked, and no stale entry says otherwise
  });
});
