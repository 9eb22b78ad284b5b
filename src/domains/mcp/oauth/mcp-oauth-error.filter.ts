import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { OAuthProtocolError } from './mcp-oauth-upstream';

/** Token answers are never cached (RFC 6749 §5.1), errors included. */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * OAuth protocol errors in RFC 6749 §5.2's shape (`{"error","error_description"}`), which OAuth
 * clients read, instead of LiteLLM's envelope. Every other error goes to the global filter.
 */
@Catch(OAuthProtocolError)
export class OAuthErrorFilter implements ExceptionFilter {
  catch(e: OAuthProtocolError, host: ArgumentsHost) {
    host.switchToHttp().getResponse<Response>().status(e.status).set(NO_STORE).json(e.body());
  }
}
