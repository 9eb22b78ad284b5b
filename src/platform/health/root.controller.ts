import { Controller, Get, Redirect } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/decorators';

/** `/` sends people to the Swagger UI, which is the admin UI. */
@ApiExcludeController()
@Public()
@Controller()
export class RootController {
  @Get()
  @Redirect('/docs', 302)
  root() {
    return undefined;
  }
}
