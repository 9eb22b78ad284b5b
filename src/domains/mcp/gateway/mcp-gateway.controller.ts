import { All, Controller, Next, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Public } from '../../../platform/auth/decorators';
import { decodePath, isMcpPath, McpHttpService } from './mcp-http.service';

/**
 * `/mcp`, `/mcp/{server}`, `/mcp/{a},{b}` and the legacy `/{server}/mcp`, over streamable HTTP.
 * Public at the global guard: a delegate-auth request carries no LiteLLM key, so the MCP admission
 * authenticates instead (mcp-admission.ts). POSTs are normally answered in front of express by
 * the same McpHttpService; this controller answers what the direct path leaves (other methods).
 */
@ApiExcludeController()
@Public()
@Controller()
export class McpGatewayController {
  constructor(private readonly http: McpHttpService) {}

  @All(['mcp', 'mcp/*path', ':server/mcp', ':server/mcp/*path'])
  async serveMcp(@Req() req: Request, @Res() res: Response, @Next() next: NextFunction): Promise<void> {
    const path = decodePath(req.path);
    if (!isMcpPath(path)) return next();
    const { method, headers, rawHeaders, ip, body } = req;
    await this.http.serve({ path, method, headers, rawHeaders, ip, body }, res);
  }
}
