import { DynamicModule, Module } from '@nestjs/common';
import { ApiModule } from './api.module';
import { AppConfig } from './config/config.schema';
import { EngineModule } from './engine.module';

/**
 * The whole app for one validated configuration: the engine and the HTTP API. It serves `npm start` (API +
 * workers) and an API-only process (WORKERS=false); the tests build it too. A worker process boots EngineModule.
 */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return { module: AppModule, imports: [EngineModule.register(config), ApiModule] };
  }
}
