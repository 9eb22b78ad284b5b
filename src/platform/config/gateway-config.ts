import { resolve } from 'node:path';
import { ConfigError } from './config-error';
import {
  ConfigMcpServer,
  ConfigModel,
  LiteLLMConfigFile,
  readLiteLLMConfigFile,
  RoutingStrategy,
} from './litellm-config-file';

/** The gateway's part of the configuration: config.yaml's models and router settings, LiteLLM's defaults. */
export interface GatewayConfig {
  /** config.yaml `model_list`, `os.environ/` references resolved. */
  models: ConfigModel[];
  /** `litellm_settings.num_retries` (LiteLLM: the OpenAI client's default, 2). */
  numRetries: number;
  /** `litellm_settings.request_timeout` in ms (LiteLLM: 6000 s). */
  requestTimeoutMs: number;
  /** `litellm_settings.fallbacks`: model group → fallback groups, in order. */
  fallbacks: Map<string, string[]>;
  dropParams: boolean;
  routingStrategy: RoutingStrategy;
  /** `router_settings.allowed_fails` (LiteLLM: 3). */
  allowedFails: number;
  /** `router_settings.cooldown_time` in ms (LiteLLM: 5 s). */
  cooldownTimeMs: number;
  /** config.yaml `mcp_servers`, served beside the MCP servers stored in the database. */
  mcpServers: ConfigMcpServer[];
  /**
   * Commands a stdio MCP server may run (basename): LiteLLM's `MCP_STDIO_ALLOWED_COMMANDS`, its
   * fixed list plus the comma-separated LITELLM_MCP_STDIO_EXTRA_COMMANDS.
   */
  mcpStdioAllowedCommands: string[];
  /** `litellm_settings.public_mcp_servers`: MCP server ids visible from every IP. */
  publicMcpServers: string[];
  /** `general_settings.mcp_internal_ip_ranges` (unset: LiteLLM's private ranges). */
  mcpInternalIpRanges?: string[];
  /**
   * How the MCP gateway finds the client's address (spec §2.4): X-Forwarded-For only when
   * `use_x_forwarded_for` is on AND the direct peer is inside `mcp_trusted_proxy_ranges` (LiteLLM's
   * newer rule); the entry `mcp_xff_num_trusted_hops` from the right, else the leftmost.
   */
  mcpClientIp: { useXForwardedFor: boolean; trustedProxyRanges: string[]; numTrustedHops?: number };
  /** `general_settings.mcp_required_fields`: what an MCP server submission must fill. */
  mcpRequiredFields: string[];
  /** `general_settings.enable_mcp_registry`: serve `GET /v1/mcp/registry.json`. */
  enableMcpRegistry: boolean;
  /** `general_settings.user_mcp_management_mode == "view_all"`: everyone but restricted keys lists every MCP server. */
  mcpViewAll: boolean;
  /**
   * Redirect URIs the MCP OAuth flow may send a code to besides this proxy's origin and loopback:
   * LiteLLM's MCP_TRUSTED_NATIVE_REDIRECT_URIS, comma-separated, exact or a prefix ending in `*`.
   */
  mcpTrustedRedirectUris: string[];
  /**
   * The deprecated client-side MCP auth header, lower case: LITELLM_MCP_CLIENT_SIDE_AUTH_HEADER_NAME,
   * else `general_settings.mcp_client_side_auth_header_name`, else `x-mcp-auth` (LiteLLM's order).
   */
  mcpClientSideAuthHeader: string;
  /** The file read, absolute; unset when start-up named none. */
  configPath?: string;
  /** `os.environ/NAME` references in the file whose variable is unset (start-up warns). */
  unsetVariables: string[];
  /**
   * Reads `os.environ/NAME` references of models stored through /model/new (LiteLLM resolves them
   * when it loads a deployment, so a stored model can name a variable instead of holding a key).
   */
  environment: (name: string) => string | undefined;
}

export const GATEWAY_DEFAULTS = {
  numRetries: 2,
  requestTimeoutMs: 6_000_000,
  routingStrategy: 'simple-shuffle',
  allowedFails: 3,
  cooldownTimeMs: 5_000,
} as const;

/** LiteLLM's fixed `MCP_STDIO_ALLOWED_COMMANDS` (constants.py). */
export const MCP_STDIO_DEFAULT_COMMANDS = ['npx', 'uvx', 'python', 'python3', 'node', 'docker', 'deno'];

type Env = Record<string, string | undefined>;

/**
 * Reads config.yaml when start-up names one: `--config <path>`, `--config=<path>` or `-c <path>`
 * (LiteLLM's CLI), else CONFIG_FILE_PATH. `generalSettings` is the file's master key and database
 * URL, which the environment overrides.
 */
export function loadGatewayConfig(
  env: Env,
  argv: readonly string[],
): { gateway: GatewayConfig; generalSettings: LiteLLMConfigFile['generalSettings'] } {
  const path = configPathOf(env, argv);
  const environment = (name: string) => env[name];
  const mcpStdioAllowedCommands = stdioCommands(env);
  const mcpTrustedRedirectUris = commaList(env.MCP_TRUSTED_NATIVE_REDIRECT_URIS);
  if (path === undefined)
    return {
      gateway: {
        ...gatewayDefaults(),
        environment,
        mcpStdioAllowedCommands,
        mcpTrustedRedirectUris,
        mcpClientSideAuthHeader: clientSideAuthHeader(env, undefined),
      },
      generalSettings: {},
    };
  const file = readLiteLLMConfigFile(path, env);
  const { litellmSettings: litellm, routerSettings: router } = file;
  return {
    gateway: {
      models: file.modelList,
      numRetries: litellm.numRetries ?? GATEWAY_DEFAULTS.numRetries,
      requestTimeoutMs:
        litellm.requestTimeoutSeconds === undefined
          ? GATEWAY_DEFAULTS.requestTimeoutMs
          : Math.round(litellm.requestTimeoutSeconds * 1000),
      fallbacks: litellm.fallbacks,
      dropParams: litellm.dropParams ?? false,
      routingStrategy: router.routingStrategy ?? GATEWAY_DEFAULTS.routingStrategy,
      allowedFails: router.allowedFails ?? GATEWAY_DEFAULTS.allowedFails,
      cooldownTimeMs:
        router.cooldownTimeSeconds === undefined
          ? GATEWAY_DEFAULTS.cooldownTimeMs
          : Math.round(router.cooldownTimeSeconds * 1000),
      mcpServers: file.mcpServers,
      mcpStdioAllowedCommands,
      publicMcpServers: litellm.publicMcpServers,
      mcpInternalIpRanges: file.generalSettings.mcpInternalIpRanges,
      mcpClientIp: {
        useXForwardedFor: file.generalSettings.useXForwardedFor ?? false,
        trustedProxyRanges: file.generalSettings.mcpTrustedProxyRanges ?? [],
        numTrustedHops: file.generalSettings.mcpXffNumTrustedHops,
      },
      mcpRequiredFields: file.generalSettings.mcpRequiredFields ?? [],
      enableMcpRegistry: file.generalSettings.enableMcpRegistry ?? false,
      mcpViewAll: file.generalSettings.userMcpManagementMode === 'view_all',
      mcpTrustedRedirectUris,
      mcpClientSideAuthHeader: clientSideAuthHeader(env, file.generalSettings.mcpClientSideAuthHeaderName),
      configPath: path,
      unsetVariables: file.unsetVariables,
      environment,
    },
    generalSettings: file.generalSettings,
  };
}

export function gatewayDefaults(): GatewayConfig {
  return {
    models: [],
    numRetries: GATEWAY_DEFAULTS.numRetries,
    requestTimeoutMs: GATEWAY_DEFAULTS.requestTimeoutMs,
    fallbacks: new Map(),
    dropParams: false,
    routingStrategy: GATEWAY_DEFAULTS.routingStrategy,
    allowedFails: GATEWAY_DEFAULTS.allowedFails,
    cooldownTimeMs: GATEWAY_DEFAULTS.cooldownTimeMs,
    mcpServers: [],
    mcpStdioAllowedCommands: [...MCP_STDIO_DEFAULT_COMMANDS],
    publicMcpServers: [],
    mcpClientIp: { useXForwardedFor: false, trustedProxyRanges: [] },
    mcpRequiredFields: [],
    enableMcpRegistry: false,
    mcpViewAll: false,
    mcpTrustedRedirectUris: [],
    mcpClientSideAuthHeader: 'x-mcp-auth',
    unsetVariables: [],
    environment: () => undefined,
  };
}

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** An empty name (variable or setting) falls back to the default, as in LiteLLM. */
function clientSideAuthHeader(env: Env, setting: string | undefined): string {
  return (env.LITELLM_MCP_CLIENT_SIDE_AUTH_HEADER_NAME || setting || 'x-mcp-auth').toLowerCase();
}

function stdioCommands(env: Env): string[] {
  const extra = (env.LITELLM_MCP_STDIO_EXTRA_COMMANDS ?? '').split(',').map((c) => c.trim());
  return [...new Set([...MCP_STDIO_DEFAULT_COMMANDS, ...extra.filter((c) => c !== '')])];
}

/** The last `--config` on the command line wins, as with most CLIs; else CONFIG_FILE_PATH. */
function configPathOf(env: Env, argv: readonly string[]): string | undefined {
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--config=')) path = arg.slice('--config='.length);
    else if (arg === '--config' || arg === '-c') {
      path = argv[i + 1];
      if (path === undefined || path.startsWith('-'))
        throw new ConfigError(arg, 'needs a path, e.g. --config ./config.yaml');
      i++;
    }
  }
  path ??= env.CONFIG_FILE_PATH?.trim() || undefined;
  if (path === '') throw new ConfigError('--config', 'needs a path, e.g. --config=./config.yaml');
  return path === undefined ? undefined : resolve(path);
}
