import { Module } from '@nestjs/common';
import { BudgetsModule } from '../budgets/budgets.module';
import { TagsController } from './tags.controller';
import { TagsService } from './tags.service';

/** `/tag/*`: tags with budgets (budget rows through BudgetsService). */
@Module({ imports: [BudgetsModule], controllers: [TagsController], providers: [TagsService] })
export class TagsModule {}
