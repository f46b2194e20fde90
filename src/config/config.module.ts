import { DynamicModule, Global, Inject, LogLevel, Module } from '@nestjs/common';
import { AppConfig } from './config.schema';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injects the validated, typed configuration: `constructor(@InjectConfig() private config: AppConfig)`. */
export const InjectConfig = () => Inject(APP_CONFIG);

/**
 * Configuration is validated by `loadConfig()` before Nest starts (so a bad value stops boot with the
 * variable's name), then handed in here; tests pass their own object instead of mutating process.env.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}

/** Nest's log levels up to LOG_LEVEL. */
export function logLevels(level: AppConfig['logLevel']): LogLevel[] {
  const order: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];
  return order.slice(0, order.indexOf(level) + 1);
}
