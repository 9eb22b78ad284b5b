import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SchedulerService } from './scheduler.service';

@ApiTags('scheduler')
@ApiBearerAuth('bearer')
@Controller('scheduler')
export class SchedulerController {
  constructor(private readonly scheduler: SchedulerService) {}

  @Get('status')
  @ApiOperation({ summary: 'Current scheduler leader and the last run of each job (admins)' })
  @ApiOkResponse({
    schema: {
      example: {
        pod_id: 'web-1-4242-1a2b3c4d',
        is_leader: true,
        leader: {
          pod_id: 'web-1-4242-1a2b3c4d',
          generation: 3,
          lease_expires_at: '2026-11-28T12:01:00.000Z',
        },
        jobs: [
          {
            name: 'budget_reset',
            enabled: true,
            window_seconds: 597,
            last_run: { status: 'done', rows_affected: 12 },
          },
        ],
      },
    },
  })
  schedulerStatus() {
    return this.scheduler.status();
  }
}
