import { Module } from '@nestjs/common';
import { AccessGroupsModule } from '../access-groups/access-groups.module';
import { BudgetsModule } from '../budgets/budgets.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ProjectsModule } from '../projects/projects.module';
import { TeamsModule } from '../teams/teams.module';
import { KeyAccessGroupsService } from './key-access-groups.service';
import { KeyAccessService } from './key-access.service';
import { KeyDeletionService } from './key-deletion.service';
import { KeyGenerationService } from './key-generation.service';
import { KeyQueriesService } from './key-queries.service';
import { KeyReferencesService } from './key-references.service';
import { KeyRotationService } from './key-rotation.service';
import { KeyUpdateService } from './key-update.service';
import { KeysController } from './keys.controller';
import { KeysService } from './keys.service';

@Module({
  imports: [TeamsModule, OrganizationsModule, ProjectsModule, BudgetsModule, AccessGroupsModule],
  controllers: [KeysController],
  providers: [
    KeysService,
    KeyAccessService,
    KeyGenerationService,
    KeyUpdateService,
    KeyDeletionService,
    KeyReferencesService,
    KeyQueriesService,
    KeyRotationService,
    KeyAccessGroupsService,
  ],
  exports: [KeysService, KeyRotationService],
})
export class KeysModule {}
