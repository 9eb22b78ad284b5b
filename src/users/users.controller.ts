import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AVAILABLE_ROLES } from './user-roles';

@ApiTags('users')
@ApiBearerAuth('bearer')
@Controller('user')
export class UsersController {
  @Get('available_roles')
  @ApiOperation({ summary: 'List the roles a user can be given', description: 'Any authenticated caller.' })
  @ApiOkResponse({ schema: { example: AVAILABLE_ROLES } })
  availableRoles() {
    return AVAILABLE_ROLES;
  }
}
