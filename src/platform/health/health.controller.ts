import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/decorators';
import { HealthService } from './health.service';

class ReadinessResponse {
  @ApiProperty({ example: 'connected', description: 'The database status (LiteLLM puts it here too).' })
  status!: string;
  @ApiProperty({ enum: ['connected', 'disconnected'] })
  db!: string;
  @ApiProperty({ nullable: true, example: 'redis', type: String })
  cache!: string | null;
  @ApiProperty({ example: '0.1.0' })
  litellm_version!: string;
  @ApiProperty({ type: [String], example: [] })
  success_callbacks!: string[];
  @ApiProperty({ example: false })
  use_aiohttp_transport!: boolean;
  @ApiProperty({ example: '2026-11-28T12:00:00.000Z' })
  last_updated!: string;
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('liveliness')
  @ApiOperation({
    summary: 'Liveness probe',
    description: 'Answers "I\'m alive!" while the process serves; 503 during shutdown.',
  })
  @ApiOkResponse({ schema: { type: 'string', example: "I'm alive!" } })
  @ApiServiceUnavailableResponse({
    description: 'Shutting down',
    schema: { example: { status: 'shutting_down' } },
  })
  liveliness(@Res() res: Response) {
    return this.alive(res);
  }

  @Get('liveness')
  @ApiOperation({ summary: 'Liveness probe (alias of /health/liveliness)' })
  @ApiOkResponse({ schema: { type: 'string', example: "I'm alive!" } })
  @ApiServiceUnavailableResponse({
    description: 'Shutting down',
    schema: { example: { status: 'shutting_down' } },
  })
  liveness(@Res() res: Response) {
    return this.alive(res);
  }

  private alive(res: Response) {
    if (this.health.isShuttingDown) return res.status(503).json({ status: 'shutting_down' });
    return res.status(200).json("I'm alive!");
  }

  @Get('readiness')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Readiness probe',
    description: 'Database (and cache) status. 503 when the database does not answer.',
  })
  @ApiOkResponse({ type: ReadinessResponse })
  @ApiServiceUnavailableResponse({ description: 'Database unreachable', type: ReadinessResponse })
  async readiness(@Res() res: Response) {
    const report = await this.health.readiness();
    return res.status(report.db === 'connected' && !this.health.isShuttingDown ? 200 : 503).json(report);
  }
}
