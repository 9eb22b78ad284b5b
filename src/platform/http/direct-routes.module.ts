import { Global, Module } from '@nestjs/common';
import { DirectRoutes } from './direct-routes';

/** The registry of routes served in front of express (see DirectRoutes). */
@Global()
@Module({ providers: [DirectRoutes], exports: [DirectRoutes] })
export class DirectRoutesModule {}
