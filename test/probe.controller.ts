import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { CurrentAuth, Public } from '../src/platform/auth/decorators';
import type { AuthContext } from '../src/platform/auth/auth-context';
import { PrismaService } from '../src/platform/prisma/prisma.service';

class ProbeRequest {
  @ApiProperty()
  @IsString()
  name!: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsInt()
  @Min(0)
  count?: number;
}

/**
 * Test-only routes that exercise the shared mechanisms (guard, pipe, filter, serialization)
 * before any domain route exists. `/key/info`-style paths so the route gate treats them as
 * LiteLLM would: `/probe/*` is in no group, so it is proxy-admin only.
 */
@Controller()
export class ProbeController {
  constructor(private readonly prisma: PrismaService) {}

  @Get('probe/whoami')
  whoami(@CurrentAuth() auth: AuthContext) {
    return { user_id: auth.userId, role: auth.role, is_master_key: auth.isMasterKey };
  }

  @Post('probe/validate')
  validate(@Body() body: ProbeRequest) {
    return body;
  }

  @Public()
  @Get('probe/budget/:id')
  budget(@Param('id') id: string) {
    return this.prisma.liteLLM_BudgetTable.findUniqueOrThrow({ where: { budget_id: id } });
  }

  @Public()
  @Get('probe/crash')
  crash(): never {
    throw new Error('secret internal detail');
  }
}
