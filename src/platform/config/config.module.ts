import { DynamicModule, Global, Module } from '@nestjs/common';
import { setBudgetResetPolicy } from '../common/durations-input';
import { AppConfig } from './app-config';

/** Injection token for the resolved `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    setBudgetResetPolicy({
      timeZone: config.scheduler.budgetResetTimeZone,
      resetTime: config.scheduler.budgetResetTime,
    });
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
