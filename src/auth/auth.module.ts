import { Module } from '@nestjs/common';
import { RedisRateLimiter } from '../common/rate-limiter';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottle } from './login-throttle';

/**
 * Login, logout and session for the one admin credential. The guarding itself is an Express middleware
 * (auth.middleware.ts) that configureApp installs before every route, Bull Board and /files included.
 */
@Module({
  controllers: [AuthController],
  providers: [
    {
      provide: AuthService,
      inject: [APP_CONFIG, RedisRateLimiter],
      useFactory: (config: AppConfig, limiter: RedisRateLimiter) => new AuthService(config, new LoginThrottle(limiter)),
    },
  ],
  exports: [AuthService],
})
export class AuthModule {}
