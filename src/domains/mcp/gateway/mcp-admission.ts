import { Inject, Injectable } from '@nestjs/common';
import { AuthService } from '../../../platform/auth/auth.service';
import { safeEqual } from '../../../platform/common/hashing';
import { APP_CONFIG } from '../../../platform/config/config.module';
import type { AppConfig } from '../../../platform/config/app-config';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { badRequest, unauthorized } from '../../../platform/common/errors/api-error';
import type { McpRegistry, McpServer } from '../registry/mcp-server';
import { targetServerNames } from './mcp-path';
import { clientIpPolicy, type McpClientIpPolicy, mcpClientIp } from './mcp-visibility';

/** What the admission reads of a request: path (no query), headers, raw header list, direct peer's IP. */
export interface McpRequestFacts {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Node's `rawHeaders` (name, value, …): Node keeps only the first `Authorization`, this has all. */
  rawHeaders: readonly string[];
  ip: string | null;
}

/**
 * Who is calling, decided once per request: a LiteLLM key (spend, limits and the key's MCP
 * permissions apply; its credential is never sent upstream), or an anonymous caller admitted by
 * the delegate-auth rules (spec §2.6), whose `Authorization` (if any) is the upstream's token.
 */
export type McpCaller =
  { kind: 'key'; auth: AuthContext } | { kind: 'anonymous'; upstreamAuthorization: string | undefined };

/** The admission decision routing acts on; it never re-reads the path or the headers for targets. */
export interface McpDecision {
  caller: McpCaller;
  /** Targeted names (path, else `x-mcp-servers`); `undefined` = the aggregate (every allowed server). */
  targetNames: string[] | undefined;
  /** `x-mcp-access-groups`: servers of these MCP access groups are targeted too (key callers). */
  accessGroups: string[] | undefined;
  /** For an anonymous caller: exactly the targeted delegate servers (rule 19). */
  delegateServers: McpServer[];
  ip: string | null;
}

const BEARER = /^Bearer\s+/i;

/**
 * The MCP admission decision (spec §2.5 baseline, §2.6 rules): one function, one path parser.
 * The anonymous delegate bypass is taken only when the request carries no LiteLLM credential and
 * every target qualifies (`delegateTargets`); any LiteLLM credential presented is validated, and a
 * failure is LiteLLM's 401, never an anonymous fallback.
 */
@Injectable()
export class McpAdmissionService {
  private readonly ipPolicy: McpClientIpPolicy;

  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.ipPolicy = clientIpPolicy(config.gateway);
  }

  async decide(req: McpRequestFacts, registry: McpRegistry): Promise<McpDecision> {
    // Rule 15: two Authorization headers are refused before anything reads either of them.
    if (countHeader(req.rawHeaders, 'authorization') > 1) {
      throw badRequest('Multiple Authorization headers are not allowed');
    }
    const targetNames = targetServerNames(req.path, single(req.headers['x-mcp-servers']));
    const accessGroups = list(single(req.headers['x-mcp-access-groups']));
    // The client's address (X-Forwarded-For only from a trusted proxy), as every later lookup sees it.
    const ip = mcpClientIp(req.ip ?? undefined, req.headers['x-forwarded-for'], this.ipPolicy);
    const base = { targetNames, accessGroups, ip, delegateServers: [] as McpServer[] };
    const litellmKey = single(req.headers['x-litellm-api-key'])?.trim();
    if (litellmKey) return { ...base, caller: await this.keyCaller(litellmKey.replace(BEARER, '')) };
    const authorization = single(req.headers['authorization'])?.trim() || undefined;
    const bearer = authorization?.replace(BEARER, '').trim();
    // Rule 13 (baseline): a LiteLLM key in Authorization authenticates as that key.
    if (bearer && this.isLiteLlmCredential(bearer)) return { ...base, caller: await this.keyCaller(bearer) };
    const delegates = delegateTargets(targetNames, registry, ip);
    if (delegates) {
      return {
        ...base,
        delegateServers: delegates,
        caller: { kind: 'anonymous', upstreamAuthorization: authorization },
      };
    }
    if (!bearer) throw unauthorized('Authentication Error, No api key passed in.');
    return { ...base, caller: await this.keyCaller(bearer) };
  }

  private async keyCaller(rawKey: string): Promise<McpCaller> {
    return { kind: 'key', auth: await this.auth.authenticate(rawKey) };
  }

  /** A virtual key (`sk-…`) or the master key: what LiteLLM itself would accept as a credential. */
  private isLiteLlmCredential(value: string): boolean {
    const master = this.config.masterKey;
    return value.startsWith('sk-') || (!!master && safeEqual(value, master));
  }
}

/**
 * The delegate-auth gate (spec §2.6 rules 1–11): the targeted servers when EVERY target resolves
 * (among servers visible to the caller) to a server that qualifies, else `undefined`. No targets,
 * an unknown name, or one server that does not qualify → no bypass (fail closed).
 */
export function delegateTargets(
  names: string[] | undefined,
  registry: McpRegistry,
  ip: string | null,
): McpServer[] | undefined {
  if (!names || names.length === 0) return undefined;
  const servers: McpServer[] = [];
  for (const name of names) {
    const server = findByName(registry, name, ip);
    if (!server || !qualifiesForDelegation(server)) return undefined;
    servers.push(server);
  }
  return servers;
}

/**
 * oauth2 only (rule 2), the flag strictly `true` (rule 3), never a machine-to-machine server whose
 * stored credentials LiteLLM would spend (rule 4), only public servers (rule 5, baseline).
 */
export function qualifiesForDelegation(server: McpServer): boolean {
  return (
    server.authType === 'oauth2' &&
    server.delegateAuthToUpstream === true &&
    !isMachineToMachine(server) &&
    server.availableOnPublicInternet === true
  );
}

/**
 * The effective OAuth flow is client_credentials: stamped so, or an unstamped row shaped like one
 * (client id + secret + token URL, no authorization URL); the registry computes it (`oauth2Flow`).
 */
export function isMachineToMachine(server: McpServer): boolean {
  return server.oauth2Flow === 'client_credentials';
}

/**
 * A path/header name → server, as LiteLLM's `get_mcp_server_by_name`: alias, server name or name
 * (not the id), among servers visible from the caller's IP.
 */
export function findByName(registry: McpRegistry, name: string, ip: string | null): McpServer | undefined {
  const server = registry.all().find((s) => s.name === name || s.alias === name || s.serverName === name);
  return server && registry.visibleFrom(server, ip) ? server : undefined;
}

function list(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function countHeader(raw: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === name) n += 1;
  return n;
}
