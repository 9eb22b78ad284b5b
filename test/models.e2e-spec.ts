import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentsService } from '../src/domains/gateway/deployments/deployments.service';
import { decryptSecret } from '../src/platform/common/secrets';
import { uniq } from './app.factory';
import { createKey, createProxyModel, createTeam, createUserWithKey } from './factories';
import { useE2e } from './harness';

const SALT = 'salt-for-models-e2e';
const CONFIG_GROUP = uniq('cfg-group');

/** config.yaml of this file's app: one served model, with its key from the environment. */
function configFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'models-e2e-')), 'config.yaml');
  writeFileSync(
    path,
    `model_list:
  - model_name: ${CONFIG_GROUP}
    litellm_params:
      model: azure/my-deployment
      api_base: https://example.openai.azure.com
      api_key: os.environ/MODELS_E2E_AZURE_KEY
      api_version: 2024-10-21
      timeout: 30
      stream_timeout: 5
      rpm: 60
      temperature: 0.2
    model_info:
      input_cost_per_token: 0.000001
`,
  );
  return path;
}

/** A `v2:gcm:` value as older LiteLLM wrote it (key = SHA-256 of the salt). */
function v2Secret(plain: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', createHash('sha256').update(SALT).digest(), nonce);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return 'v2:gcm:' + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

describe('model registry and /model routes', () => {
  const h = useE2e({
    env: {
      LITELLM_SALT_KEY: SALT,
      CONFIG_FILE_PATH: configFile(),
      MODELS_E2E_AZURE_KEY: 'azure-secret-from-env',
    },
  });
  const registry = () => h.app.get(DeploymentsService);
  const newModel = (body: Record<string, unknown>) => h.post('/model/new', body);
  const auditRows = (objectId: string) =>
    h.prisma.liteLLM_AuditLog.findMany({ where: { object_id: objectId }, orderBy: { updated_at: 'asc' } });

  it('should store every string of litellm_params as v3:gcm and never return the api_key', async () => {
    const name = uniq('gpt');
    const res = await newModel({
      model_name: name,
      litellm_params: {
        model: 'openai/gpt-4o',
        api_key: 'sk-upstream-secret',
        rpm: 7,
        input_cost_per_token: 2e-6,
      },
      model_info: { access_groups: ['ag-1'] },
    }).expect(200);
    expect(JSON.stringify(res.body)).not.toContain('sk-upstream-secret');
    expect(res.body).toMatchObject({ model_name: name, litellm_params: { model: 'openai/gpt-4o', rpm: 7 } });
    const row = await h.prisma.liteLLM_ProxyModelTable.findUniqueOrThrow({
      where: { model_id: res.body.model_id },
    });
    const stored = row.litellm_params as Record<string, unknown>;
    expect(stored.api_key).toMatch(/^v3:gcm:/);
    expect(stored.model).toMatch(/^v3:gcm:/);
    expect(stored.rpm).toBe(7);
    expect(decryptSecret(stored.api_key as string, SALT)).toBe('sk-upstream-secret');
    expect(row.model_info).toMatchObject({ id: res.body.model_id, access_groups: ['ag-1'] });

    const [audit] = await auditRows(res.body.model_id);
    expect(audit).toMatchObject({ action: 'created', table_name: 'LiteLLM_ProxyModelTable' });
    expect(JSON.stringify(audit)).not.toContain('sk-upstream-secret');

    const [deployment] = registry().group(name);
    expect(deployment).toMatchObject({
      id: res.body.model_id,
      provider: 'openai',
      upstreamModel: 'gpt-4o',
      apiKey: 'sk-upstream-secret',
      rpm: 7,
      weight: 1,
      prices: { inputCostPerToken: 2e-6 },
      source: 'db',
    });
    expect(registry().accessGroupsOf(name)).toEqual(['ag-1']);
  });

  it('should list config.yaml and database models together, secrets removed', async () => {
    const name = uniq('claude');
    const created = await newModel({
      model_name: name,
      litellm_params: { model: 'anthropic/claude-sonnet-4', api_key: 'sk-ant-secret' },
    }).expect(200);
    const [config] = registry().group(CONFIG_GROUP);
    expect(config).toMatchObject({
      provider: 'azure',
      upstreamModel: 'my-deployment',
      apiKey: 'azure-secret-from-env',
      apiVersion: '2024-10-21',
      timeoutMs: 30_000,
      streamTimeoutMs: 5_000,
      rpm: 60,
      prices: { inputCostPerToken: 0.000001 },
      extraParams: { temperature: 0.2 },
      source: 'config',
    });
    expect(config.id).toMatch(/^[0-9a-f]{64}$/);
    expect(registry().groupNames()).toEqual(expect.arrayContaining([CONFIG_GROUP, name]));
    expect(registry().byId(created.body.model_id)?.provider).toBe('anthropic');

    const res = await h.get('/model/info').expect(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('sk-ant-secret');
    expect(text).not.toContain('azure-secret-from-env');
    const byName = (n: string) => res.body.data.find((m: { model_name: string }) => m.model_name === n);
    expect(byName(CONFIG_GROUP)).toMatchObject({
      litellm_params: { model: 'azure/my-deployment', api_base: 'https://example.openai.azure.com' },
      model_info: {
        id: config.id,
        db_model: false,
        litellm_provider: 'azure',
        input_cost_per_token: 0.000001,
      },
    });
    expect(byName(name).model_info).toMatchObject({ id: created.body.model_id, db_model: true });
    await h.get('/v1/model/info').expect(200);
  });

  it('should answer one model by litellm_model_id, and 404 for an unknown id', async () => {
    const [config] = registry().group(CONFIG_GROUP);
    const one = await h.get(`/model/info?litellm_model_id=${config.id}`).expect(200);
    expect(one.body.data).toHaveLength(1);
    const missing = await h.get('/model/info?litellm_model_id=nope').expect(404);
    expect(missing.body.error.message).toBe('Model id = nope not found on litellm proxy');
  });

  it('should read rows LiteLLM wrote: v2:gcm and plain values, params stored as a JSON string', async () => {
    const name = uniq('legacy');
    const row = await createProxyModel(h.prisma, {
      model_name: name,
      litellm_params: JSON.stringify({ model: 'gpt-4o-mini', api_key: v2Secret('sk-v2-secret'), tpm: 1000 }),
    });
    await registry().reload();
    expect(registry().byId(row.model_id)).toMatchObject({
      provider: 'openai',
      upstreamModel: 'gpt-4o-mini',
      apiKey: 'sk-v2-secret',
      tpm: 1000,
    });
  });

  it('should read os.environ/ references of a stored model from the environment', async () => {
    const name = uniq('env-ref');
    const { body } = await newModel({
      model_name: name,
      litellm_params: {
        model: 'azure/dep',
        api_key: 'os.environ/MODELS_E2E_AZURE_KEY',
        api_base: 'os.environ/UNSET_MODELS_E2E',
      },
    }).expect(200);
    expect(registry().byId(body.model_id)).toMatchObject({
      apiKey: 'azure-secret-from-env',
      apiBase: undefined,
    });
  });

  it('should change a stored model by /model/update and by PATCH, each with an audit row', async () => {
    const name = uniq('upd');
    const { body } = await newModel({
      model_name: name,
      litellm_params: { model: 'openai/gpt-4o', api_key: 'sk-keep', rpm: 1, max_tokens: 50 },
    }).expect(200);
    const id = body.model_id as string;
    await h.post('/model/update', { model_info: { id }, litellm_params: { rpm: 2, tpm: null } }).expect(200);
    expect(registry().byId(id)).toMatchObject({ rpm: 2, apiKey: 'sk-keep', extraParams: { max_tokens: 50 } });

    const renamed = uniq('renamed');
    const patched = await h
      .patch(`/model/${id}/update`, { model_name: renamed, litellm_params: { max_tokens: null, tpm: 9 } })
      .expect(200);
    expect(patched.body).toMatchObject({ model_name: renamed, litellm_params: { rpm: 2, tpm: 9 } });
    expect(patched.body.litellm_params).not.toHaveProperty('max_tokens');
    expect(registry().group(name)).toEqual([]);
    expect(registry().group(renamed)[0]).toMatchObject({ id, tpm: 9, apiKey: 'sk-keep', extraParams: {} });
    expect((await auditRows(id)).map((r) => r.action)).toEqual(['created', 'updated', 'updated']);
  });

  it('should refuse to change unknown and config.yaml models', async () => {
    const unknown = await h.patch('/model/nope/update', { litellm_params: { rpm: 1 } }).expect(404);
    expect(unknown.body.error.message).toBe('Model nope not found on proxy.');
    await h.post('/model/update', { model_info: { id: 'nope' }, litellm_params: { rpm: 1 } }).expect(404);
    const [config] = registry().group(CONFIG_GROUP);
    const res = await h.patch(`/model/${config.id}/update`, { litellm_params: { rpm: 1 } }).expect(400);
    expect(res.body.error.message).toMatch(/Cannot edit config-based model/);
  });

  it('should delete a stored model and stop serving it', async () => {
    const name = uniq('del');
    const { body } = await newModel({ model_name: name, litellm_params: { model: 'gpt-4o' } }).expect(200);
    const res = await h.post('/model/delete', { id: body.model_id }).expect(200);
    expect(res.body).toEqual({ message: `Model: ${body.model_id} deleted successfully` });
    expect(registry().group(name)).toEqual([]);
    expect(await h.prisma.liteLLM_ProxyModelTable.count({ where: { model_id: body.model_id } })).toBe(0);
    expect((await auditRows(body.model_id)).map((r) => r.action)).toEqual(['created', 'deleted']);
    const again = await h.post('/model/delete', { id: body.model_id }).expect(404);
    expect(again.body.error.message).toBe(`Model with id=${body.model_id} not found in db`);
  });

  it.each([
    ['no model_name', { litellm_params: { model: 'gpt-4o' } }, 422, /model_name/],
    ['no litellm_params', {}, 422, /litellm_params/],
    ['no litellm_params.model', { litellm_params: { api_key: 'k' } }, 422, /model/],
    ['a provider not served', { litellm_params: { model: 'bedrock/claude' } }, 400, /bedrock/],
  ])('should refuse a new model with %s', async (what, body, status, message) => {
    const name = uniq('refused');
    const res = await newModel(what === 'no model_name' ? body : { model_name: name, ...body }).expect(
      status,
    );
    expect(res.body.error.message).toMatch(message);
    expect(await h.prisma.liteLLM_ProxyModelTable.count({ where: { model_name: name } })).toBe(0);
  });

  it('should refuse a duplicate model_info.id with 409', async () => {
    const id = uniq('fixed-id');
    await newModel({ model_name: 'dup', litellm_params: { model: 'gpt-4o' }, model_info: { id } }).expect(
      200,
    );
    await newModel({ model_name: 'dup', litellm_params: { model: 'gpt-4o' }, model_info: { id } }).expect(
      409,
    );
  });

  it('should let only proxy admins write models', async () => {
    const { body } = await newModel({ model_name: uniq('guarded'), litellm_params: { model: 'gpt-4o' } });
    const user = await createUserWithKey(h.prisma, 'internal_user');
    const viewer = await createUserWithKey(h.prisma, 'proxy_admin_viewer');
    const refused = (r: { status: number }) => expect([401, 403]).toContain(r.status);
    for (const caller of [user, viewer]) {
      const name = uniq('not-added');
      await h
        .post('/model/new', { model_name: name, litellm_params: { model: 'gpt-4o' } }, caller.headers)
        .expect(refused);
      await h.post('/model/delete', { id: body.model_id }, caller.headers).expect(refused);
      await h
        .patch(`/model/${body.model_id}/update`, { litellm_params: { rpm: 1 } }, caller.headers)
        .expect(refused);
      await h
        .post(
          '/model/update',
          { model_info: { id: body.model_id }, litellm_params: { rpm: 1 } },
          caller.headers,
        )
        .expect(refused);
      expect(registry().group(name)).toEqual([]);
    }
    expect(registry().byId(body.model_id)?.rpm).toBeUndefined();
  });

  it("should show a key only its models (the key's list, else its team's)", async () => {
    const mine = uniq('mine');
    const teamOnly = uniq('team-only');
    const other = uniq('other');
    for (const name of [mine, teamOnly, other])
      await newModel({ model_name: name, litellm_params: { model: 'gpt-4o', api_key: 'sk-hidden' } }).expect(
        200,
      );
    const team = await createTeam(h.prisma, { models: [teamOnly] });
    const keyed = await createKey(h.prisma, { models: [mine], team_id: team.team_id });
    const teamKey = await createKey(h.prisma, { team_id: team.team_id });
    const names = async (raw: string, path = '/model/info') =>
      (
        (await h.get(path, h.as(raw)).expect(200)).body.data as {
          model_name?: string;
          model_group?: string;
        }[]
      ).map((m) => m.model_name ?? m.model_group);
    expect(await names(keyed.raw)).toEqual([mine]);
    expect(await names(keyed.raw, '/model_group/info')).toEqual([mine]);
    expect(await names(teamKey.raw)).toEqual([teamOnly]);
    expect(await names(teamKey.raw, '/v2/model/info')).toEqual([teamOnly]);
    expect(await names(h.master.Authorization.slice('Bearer '.length))).toEqual(
      expect.arrayContaining([mine, teamOnly, other, CONFIG_GROUP]),
    );
    await h.get(`/model/info?litellm_model_id=${registry().group(other)[0].id}`, h.as(keyed.raw)).expect(404);
  });

  it('should page /v2/model/info and sum a group in /model_group/info', async () => {
    const group = uniq('pair');
    for (const rpm of [10, 20])
      await newModel({
        model_name: group,
        litellm_params: { model: 'openai/gpt-4o', rpm, output_cost_per_token: rpm * 1e-6 },
      }).expect(200);
    const page = await h.get(`/v2/model/info?model=${group}&size=1&page=2`).expect(200);
    expect(page.body).toMatchObject({ total_count: 2, current_page: 2, total_pages: 2, size: 1 });
    expect(page.body.data).toHaveLength(1);
    const info = await h.get(`/model_group/info?model_group=${group}`).expect(200);
    expect(info.body.data).toEqual([
      expect.objectContaining({
        model_group: group,
        providers: ['openai'],
        rpm: 30,
        output_cost_per_token: 2e-5,
        mode: 'chat',
      }),
    ]);
  });
});
