import { buildOpenApiDocument } from '../src/openapi';
import { MASTER_KEY } from './app.factory';
import { useE2e } from './harness';

/*
 * "Try it out" → "Execute" in Swagger UI, for every operation that takes a body: the body is built
 * exactly as Swagger UI builds it (its own sample generator, from the same swagger-ui-dist the app
 * serves) and sent with the master key to the app on a fresh database.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- swagger-ui ships this bundle as CommonJS
const SwaggerUI = require('swagger-ui-dist/swagger-ui-es-bundle.js');

interface SampleFns {
  getSampleSchema(schema: unknown, contentType: string, config: object, override: unknown): unknown;
}
const system: { fn?: SampleFns } = {};
system.fn = SwaggerUI.plugins.JSONSchema5Samples({ getSystem: () => system }).fn as SampleFns;

/** Swagger UI works on a resolved document: every `$ref` replaced by what it points to. */
function resolveRefs(doc: any, node: unknown, depth = 0): any {
  if (depth > 20 || node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((item) => resolveRefs(doc, item, depth + 1));
  const ref = (node as { $ref?: string }).$ref;
  if (typeof ref === 'string')
    return resolveRefs(doc, doc.components.schemas[ref.split('/').pop()!], depth + 1);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveRefs(doc, v, depth + 1)]));
}

/** What Swagger UI puts in the body editor (oas3 getDefaultRequestBodyValue with the first example). */
function swaggerUiBody(doc: any, op: any): unknown {
  const media = op.requestBody.content['application/json'];
  const override =
    media.examples !== undefined ? Object.values<any>(media.examples)[0]?.value : media.example;
  const sample = system.fn!.getSampleSchema(
    resolveRefs(doc, media.schema ?? {}),
    'application/json',
    { includeWriteOnly: true },
    override,
  );
  return typeof sample === 'string' ? JSON.parse(sample) : sample;
}

/** A path parameter as Swagger UI fills it in: its example, or what an admin would type. */
function pathWith(path: string, op: any): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const param = (op.parameters ?? []).find((p: any) => p.in === 'path' && p.name === name);
    return encodeURIComponent(String(param?.example ?? param?.schema?.example ?? `example-${name}`));
  });
}

/**
 * Operations whose example names a row a fresh database does not have (a key, team, organization,
 * project, invitation, access group or workflow run the reader replaces with their own): they must
 * answer the error they document, never a 422 or a 500. Everything else must succeed as shown.
 * The operations run in the document's order, as an admin going down the page would: the tag and
 * customer examples find the rows the create examples above them made.
 */
const NEEDS_A_ROW: Record<string, number> = {
  // A fresh database serves no model: the LLM routes answer LiteLLM's unknown-model 400.
  'chatCompletion[0]': 400,
  'chatCompletion[1]': 400,
  'createEmbeddings[0]': 400,
  'createEmbeddings[1]': 400,
  'createResponse[0]': 400,
  'createResponse[1]': 400,
  createMessage: 400,
  // The model id of the examples is not in a fresh database.
  updateModel: 404,
  patchModel: 404,
  deleteModel: 404,
  generateServiceAccountKey: 400, // team-1234 does not exist
  updateKey: 404,
  deleteKeys: 404,
  regenerateKey: 404,
  regenerateKeyByPath: 404,
  resetKeySpend: 404,
  blockKey: 404,
  unblockKey: 404,
  newInvitation: 400, // LiteLLM's answer when the user does not exist
  updateInvitation: 400,
  deleteInvitation: 400,
  onboardingClaimToken: 401, // the invitation link is not in the database
  updateTeam: 404,
  deleteTeams: 404,
  blockTeam: 404,
  unblockTeam: 404,
  addTeamModels: 404,
  deleteTeamModels: 404,
  updateTeamPermissions: 404,
  addTeamMember: 404,
  bulkAddTeamMembers: 404,
  deleteTeamMember: 404,
  updateTeamMember: 404,
  resetTeamMemberSpend: 404,
  updateOrganization: 404,
  deleteOrganizations: 404,
  organizationInfoDeprecated: 404,
  addOrganizationMembers: 404,
  updateOrganizationMember: 400, // LiteLLM's answer when the organization does not exist
  deleteOrganizationMember: 404,
  newProject: 404, // a project belongs to an existing team
  updateProject: 404,
  deleteProjects: 404,
  updateAccessGroup: 404,
  updateWorkflowRun: 404,
  appendWorkflowEvent: 404,
  appendWorkflowMessage: 404,
  updateMcpServer: 404, // the example's server_id is not in a fresh database
  saveMcpUserCredential: 404,
  saveMcpOauthUserCredential: 404,
  submitMcpServer: 403, // the master key is a proxy admin, who creates servers directly
  rejectMcpServer: 404,
  updateMcpToolset: 404,
  makeMcpServersPublic: 404, // the example's server_id is not in a fresh database
  callMcpRestTool: 403, // a fresh database serves no MCP server, so no tool may be called
  registerMcpOauthClient: 404, // the example's server_id is not in a fresh database
};

describe('request examples in Swagger UI', () => {
  const h = useE2e({ freshDatabase: 'cp_examples' });
  let doc: any;
  beforeAll(() => {
    doc = JSON.parse(JSON.stringify(buildOpenApiDocument(h.app)));
  });

  it('should answer every body example with a 2xx, or with the error it documents when a row is missing', async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (!op.requestBody?.content?.['application/json']) continue;
        const body = swaggerUiBody(doc, op);
        const agent = h.http();
        const res = await agent[method as 'post'](pathWith(path, op))
          .set('Authorization', `Bearer ${MASTER_KEY}`)
          .send(body as object);
        const documented = Object.keys(op.responses);
        const want = NEEDS_A_ROW[op.operationId];
        const ok =
          want !== undefined
            ? res.status === want && documented.includes(String(want))
            : res.status >= 200 && res.status < 300 && documented.includes(String(res.status));
        // On a mismatch, the line shows what was sent and answered.
        const sentAndAnswered = ` ${JSON.stringify(body)} -> ${JSON.stringify(res.body).slice(0, 300)}`;
        outcomes.push(`${op.operationId} ${res.status}${ok ? '' : sentAndAnswered}`);
        expected.push(`${op.operationId} ${ok ? res.status : (want ?? '2xx (documented)')}`);
      }
    }
    expect(outcomes).toEqual(expected);
  });
});
