import { ApiError } from '../../../platform/common/errors/api-error';

/**
 * An upstream refused the gateway's request (401/403 and friends): relayed to the client as the
 * upstream said it, `WWW-Authenticate` included, so an OAuth client can start its flow (rule 1).
 */
export class UpstreamRefusal extends Error {
  constructor(
    readonly status: number,
    readonly upstreamBody: string,
    readonly wwwAuthenticate: string | null,
  ) {
    super(`MCP upstream refused the request with ${status}`);
  }
}

/** A JSON-RPC error object, as an upstream answered it. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * The upstream answered the request with a JSON-RPC error (an unknown tool, bad arguments): the
 * MCP gateway relays it to its client as that JSON-RPC error; the REST façade answers 502 with it.
 */
export class UpstreamRpcError extends ApiError {
  constructor(
    readonly rpc: RpcErrorObject,
    server: string,
  ) {
    super(502, `MCP server ${server} answered with error ${rpc.code}: ${rpc.message}`);
  }
}

/**
 * The upstream no longer knows the connection's session (HTTP 404 on a request that carried a
 * session id, where the MCP spec says to start a new session). The request never ran there.
 */
export class UpstreamSessionGone extends Error {
  constructor(server: string) {
    super(`MCP server ${server} no longer knows the session`);
  }
}
