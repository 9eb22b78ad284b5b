import { Module } from '@nestjs/common';
import { BudgetsModule } from '../budgets/budgets.module';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

/** `/project/*`; exports ProjectsService (keys read a project's limits through it). */
@Module({
  imports: [BudgetsModule],
  controllers: [ProjectsController],
  providers: [ProjectsService],
  exports: [ProjectsService],
})
export class ProjectsModule {}
