import { Injectable } from '@nestjs/common';
import { AppConfig, CrashPoint } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';

/**
 * The crash specs' hook: with CRASH_AT=<point> the process SIGKILLs itself the first time it reaches that
 * point, so "killed between the state change and its entry" happens every run, not by luck. Unset (the
 * default, and always in production) it does nothing. CRASH_AT is compared here and nowhere else.
 */
export function crashAt(configured: CrashPoint | undefined): (point: CrashPoint) => void {
  if (!configured) return () => undefined;
  return (point) => {
    if (point === configured) process.kill(process.pid, 'SIGKILL');
  };
}

/** `crashAt` for injection: `this.crash.reached('variation-ended')`. */
@Injectable()
export class CrashHook {
  readonly reached: (point: CrashPoint) => void;

  constructor(@InjectConfig() config: AppConfig) {
    this.reached = crashAt(config.crashAt);
  }
}
