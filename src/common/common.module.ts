import { Global, Module } from '@nestjs/common';
import { CrashHook } from './crash-point';
import { WorkerLifecycle } from './worker-lifecycle';

@Global()
@Module({ providers: [WorkerLifecycle, CrashHook], exports: [WorkerLifecycle, CrashHook] })
export class CommonModule {}
