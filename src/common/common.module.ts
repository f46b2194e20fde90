import { Global, Module } from '@nestjs/common';
import { WorkerLifecycle } from './worker-lifecycle';

@Global()
@Module({ providers: [WorkerLifecycle], exports: [WorkerLifecycle] })
export class CommonModule {}
