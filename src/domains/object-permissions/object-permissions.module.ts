import { Global, Module } from '@nestjs/common';
import { ObjectPermissionService } from './object-permission.service';

@Global()
@Module({ providers: [ObjectPermissionService], exports: [ObjectPermissionService] })
export class ObjectPermissionsModule {}
