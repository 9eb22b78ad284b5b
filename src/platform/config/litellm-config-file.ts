import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from './config-error';

/**
 * LiteLLM's `config.yaml`, the parts this proxy serves: `model_list`, `mcp_servers`,
 * `litellm_settings`, `router_settings` and `general_settings`. Other sections and keys LiteLLM knows are left alone
 * (a LiteLLM file carries many); a known key of the wrong type stops start-up with one line that
 * names it (`model_list[1].litellm_params.model must be a string`). Strings of the form
 * `os.environ/NAME` are read from the environment, as LiteLLM does; an unset variable reads as
 * absent and is listed in `unsetVariables` so start-up can say so.
 */
export interface LiteLLMConfigFile {
  modelList: ConfigModel[];
  /** `mcp_servers`, in file order. */
  mcpServers: ConfigMcpServer[];
  litellmSettings: {
    numRetries?: number;
    requestTimeoutSeconds?: number;
    /** `[{ "gpt-4": ["gpt-3.5-turbo"] }]` as a map: model group → fallback groups, in order. */
    fallbacks: Map<string, string[]>;
    dropParams?: boolean;
    /** Ids of MCP servers visible from any IP (`available_on_public_internet` notwithstanding). */
    publicMcpServers: string[];
  };
  routerSettings: {
    routingStrategy?: RoutingStrategy;
    allowedFails?: number;
    cooldownTimeSeconds?: number;
  };
  generalSettings: {
    masterKey?: string;
    databaseUrl?: string;
    /** The deprecated client-side MCP auth header's name (LiteLLM's default: `x-mcp-auth`). */
    mcpClientSideAuthHeaderName?: string;
    /** CIDR ranges whose callers see internal-only MCP servers (LiteLLM: the private ranges when unset). */
    mcpInternalIpRanges?: string[];
    /** `GET /v1/mcp/registry.json` is served only when true. */
    enableMcpRegistry?: boolean;
    /** `view_all`: every caller but a restricted key lists every MCP server (LiteLLM's default: `restricted`). */
    userMcpManagementMode?: 'restricted' | 'view_all';
    /** Fields an MCP server submission (`POST /v1/mcp/server/register`) must fill. */
    mcpRequiredFields?: string[];
    /** Read the client's address from X-Forwarded-For (MCP visibility: with `mcpTrustedProxyRanges`). */
    useXForwardedFor?: boolean;
    /** CIDR ranges of the reverse proxies whose X-Forwarded-For the MCP visibility trusts. */
    mcpTrustedProxyRanges?: string[];
    /** The client is this many X-Forwarded-For entries from the right (unset: the leftmost). */
    mcpXffNumTrustedHops?: number;
  };
  unsetVariables: string[];
}

export interface ConfigModel {
  modelName: string;
  /** `litellm_params` with `os.environ/` references resolved; `model` is `provider/name`. */
  litellmParams: Record<string, unknown> & { model: string };
  modelInfo: Record<string, unknown>;
}

/**
 * One entry of `mcp_servers` (`name: { url, transport, auth_type, ... }`). The key is LiteLLM's
 * `server_name`; `params` is the entry as written (`os.environ/` resolved), its known keys
 * type-checked here; the MCP registry turns it into a server.
 */
export interface ConfigMcpServer {
  serverName: string;
  params: Record<string, unknown>;
}

export const MCP_TRANSPORTS = ['sse', 'http', 'stdio'] as const;

export const ROUTING_STRATEGIES = [
  'simple-shuffle',
  'least-busy',
  'usage-based-routing',
  'usage-based-routing-v2',
  'latency-based-routing',
  'cost-based-routing',
] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

const ENV_REFERENCE = 'os.environ/';

export function readLiteLLMConfigFile(
  path: string,
  env: Record<string, string | undefined>,
): LiteLLMConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`config file ${path}`, `cannot be read: ${(e as Error).message}`);
  }
  return parseLiteLLMConfig(text, env, path);
}

export function parseLiteLLMConfig(
  text: string,
  env: Record<string, string | undefined>,
  source = 'config.yaml',
): LiteLLMConfigFile {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new ConfigError(source, `is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const unset = new Set<string>();
  const doc = new Reader(source, resolveEnv(raw ?? {}, env, unset));
  const root = doc.object('', doc.value);
  const litellm = doc.object('litellm_settings', root.litellm_settings ?? {});
  const router = doc.object('router_settings', root.router_settings ?? {});
  const general = doc.object('general_settings', root.general_settings ?? {});
  return {
    modelList: doc.list('model_list', root.model_list ?? []).map((m, i) => doc.model(`model_list[${i}]`, m)),
    mcpServers: Object.entries(doc.object('mcp_servers', root.mcp_servers ?? {})).map(([name, entry]) =>
      doc.mcpServer(`mcp_servers.${name}`, name, entry),
    ),
    litellmSettings: {
      numRetries: doc.integer('litellm_settings.num_retries', litellm.num_retries),
      requestTimeoutSeconds: doc.positive('litellm_settings.request_timeout', litellm.request_timeout),
      fallbacks: doc.fallbacks('litellm_settings.fallbacks', litellm.fallbacks),
      dropParams: doc.boolean('litellm_settings.drop_params', litellm.drop_params),
      publicMcpServers: doc.strings('litellm_settings.public_mcp_servers', litellm.public_mcp_servers) ?? [],
    },
    routerSettings: {
      routingStrategy: doc.oneOf(
        'router_settings.routing_strategy',
        router.routing_strategy,
        ROUTING_STRATEGIES,
      ),
      allowedFails: doc.integer('router_settings.allowed_fails', router.allowed_fails),
      cooldownTimeSeconds: doc.positive('router_settings.cooldown_time', router.cooldown_time, true),
    },
    generalSettings: {
      masterKey: doc.string('general_settings.master_key', general.master_key),
      databaseUrl: doc.string('general_settings.database_url', general.database_url),
      mcpClientSideAuthHeaderName: doc.string(
        'general_settings.mcp_client_side_auth_header_name',
        general.mcp_client_side_auth_header_name,
      ),
      mcpInternalIpRanges: doc.strings(
        'general_settings.mcp_internal_ip_ranges',
        general.mcp_internal_ip_ranges,
      ),
      enableMcpRegistry: doc.boolean('general_settings.enable_mcp_registry', general.enable_mcp_registry),
      userMcpManagementMode: doc.oneOf(
        'general_settings.user_mcp_management_mode',
        general.user_mcp_management_mode,
        ['restricted', 'view_all'] as const,
      ),
      mcpRequiredFields: doc.strings('general_settings.mcp_required_fields', general.mcp_required_fields),
      useXForwardedFor: doc.boolean('general_settings.use_x_forwarded_for', general.use_x_forwarded_for),
      mcpTrustedProxyRanges: doc.strings(
        'general_settings.mcp_trusted_proxy_ranges',
        general.mcp_trusted_proxy_ranges,
      ),
      mcpXffNumTrustedHops: doc.integer(
        'general_settings.mcp_xff_num_trusted_hops',
        general.mcp_xff_num_trusted_hops,
      ),
    },
    unsetVariables: [...unset],
  };
}

/** Every `os.environ/NAME` string, anywhere in the document, replaced by the variable's value. */
function resolveEnv(value: unknown, env: Record<string, string | undefined>, unset: Set<string>): unknown {
  if (typeof value === 'string' && value.startsWith(ENV_REFERENCE)) {
    const name = value.slice(ENV_REFERENCE.length);
    if (env[name] === undefined) unset.add(name);
    return env[name];
  }
  if (Array.isArray(value)) return value.map((v) => resolveEnv(v, env, unset));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnv(v, env, unset)]));
  }
  return value;
}

type Obj = Record<string, unknown>;

/** Type checks that name the field they refuse. Absent (undefined or null) is always fine. */
class Reader {
  constructor(
    private readonly source: string,
    readonly value: unknown,
  ) {}

  private fail(field: string, problem: string): never {
    throw new ConfigError(`${field || 'the document'} in ${this.source}`, problem);
  }

  object(field: string, value: unknown): Obj {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      this.fail(field, 'must be a mapping');
    return value as Obj;
  }

  list(field: string, value: unknown): unknown[] {
    if (value === null) return [];
    if (!Array.isArray(value)) this.fail(field, 'must be a list');
    return value;
  }

  string(field: string, value: unknown): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(field, 'must be a string');
    return value;
  }

  boolean(field: string, value: unknown): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') this.fail(field, 'must be true or false');
    return value;
  }

  integer(field: string, value: unknown): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      this.fail(field, `must be a whole number >= 0, got ${JSON.stringify(value)}`);
    return value;
  }

  positive(field: string, value: unknown, zeroAllowed = false): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0))
      this.fail(
        field,
        `must be a number ${zeroAllowed ? '>= 0' : '> 0'} (seconds), got ${JSON.stringify(value)}`,
      );
    return value;
  }

  oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined {
    if (value === undefined || value === null) return undefined;
    if (!allowed.includes(value as T))
      this.fail(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    return value as T;
  }

  model(field: string, value: unknown): ConfigModel {
    const entry = this.object(field, value);
    const modelName = this.string(`${field}.model_name`, entry.model_name);
    if (!modelName) this.fail(`${field}.model_name`, 'is required');
    const params = this.object(`${field}.litellm_params`, entry.litellm_params ?? null);
    const model = this.string(`${field}.litellm_params.model`, params.model);
    if (!model) this.fail(`${field}.litellm_params.model`, 'is required (e.g. "openai/gpt-4o")');
    for (const name of ['rpm', 'tpm', 'max_retries'] as const)
      this.integer(`${field}.litellm_params.${name}`, params[name]);
    for (const name of ['timeout', 'stream_timeout', 'weight'] as const)
      this.positive(`${field}.litellm_params.${name}`, params[name]);
    for (const name of ['api_base', 'api_key', 'api_version'] as const)
      this.string(`${field}.litellm_params.${name}`, params[name]);
    const modelInfo =
      entry.model_info === undefined || entry.model_info === null
        ? {}
        : this.object(`${field}.model_info`, entry.model_info);
    return { modelName, litellmParams: { ...params, model }, modelInfo };
  }

  strings(field: string, value: unknown): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    const list = this.list(field, value);
    if (!list.every((v) => typeof v === 'string')) this.fail(field, 'must be a list of strings');
    return list as string[];
  }

  mcpServer(field: string, serverName: string, value: unknown): ConfigMcpServer {
    const params = this.object(field, value ?? {});
    for (const name of ['url', 'alias', 'description', 'auth_type', 'command', 'auth_value', 'spec_path'])
      this.string(`${field}.${name}`, params[name]);
    for (const name of ['client_id', 'client_secret', 'authorization_url', 'token_url', 'registration_url'])
      this.string(`${field}.${name}`, params[name]);
    this.oneOf(`${field}.transport`, params.transport, MCP_TRANSPORTS);
    for (const name of ['args', 'allowed_tools', 'extra_headers', 'access_groups', 'scopes'])
      this.strings(`${field}.${name}`, params[name]);
    for (const name of ['static_headers', 'env', 'mcp_info'])
      if (params[name] !== undefined && params[name] !== null) this.object(`${field}.${name}`, params[name]);
    for (const name of ['allow_all_keys', 'available_on_public_internet', 'delegate_auth_to_upstream'])
      this.boolean(`${field}.${name}`, params[name]);
    return { serverName, params };
  }

  fallbacks(field: string, value: unknown): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    this.list(field, value ?? []).forEach((item, i) => {
      for (const [group, targets] of Object.entries(this.object(`${field}[${i}]`, item))) {
        const list = this.list(`${field}[${i}].${group}`, targets);
        if (!list.every((t) => typeof t === 'string'))
          this.fail(`${field}[${i}].${group}`, 'must be a list of model names');
        groups.set(group, [...(groups.get(group) ?? []), ...(list as string[])]);
      }
    });
    return groups;
  }
}
