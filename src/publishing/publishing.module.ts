import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { registerQueue } from '../common/queueing';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { DriveModule } from '../drive/drive.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { InboxWatcher } from './inbox-watcher';
import { PostPoller } from './post-poller';
import { PostSender } from './post-sender';
import { PostSteps } from './post-steps';
import { PostsRepository } from './posts.repository';
import { PublishingProcessor } from './publishing.processor';
import { PUBLISHING_QUEUE, PublishingQueue } from './publishing.queue';
import { PublishingSecrets } from './publishing-secrets';
import { PublishingSweeperService } from './publishing-sweeper.service';
import { TikTokAccount } from './tiktok-account.entity';
import { TikTokAccountsService } from './tiktok-accounts.service';
import { TikTokOAuthService } from './tiktok-oauth.service';
import { TikTokPost } from './tiktok-post.entity';
import { TikTokPostsService } from './tiktok-posts.service';
import { TikTokClient } from './tiktok/tiktok-client';

/**
 * Sending finished variations to TikTok (Content Posting API, drafts by default): connected accounts,
 * the `publishing` queue with TikTok's limits, and what the signed image route TikTok pulls from needs (its
 * routes are the API's: api.module.ts). It reads the work model (batches, links, variations) and Storage;
 * nothing below imports it.
 */
/** This module's tables (also listed by ormconfig.ts for the TypeORM CLI). */
export const PUBLISHING_ENTITIES = [TikTokAccount, TikTokPost];

@Module({
  imports: [
    registerQueue(PUBLISHING_QUEUE),
    DatabaseModule,
    TypeOrmModule.forFeature(PUBLISHING_ENTITIES),
    PipelineModule,
    DriveModule,
  ],
  providers: [
    { provide: TikTokClient, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new TikTokClient(config) },
    PublishingSecrets,
    PostsRepository,
    PublishingQueue,
    PostSteps,
    InboxWatcher,
    PostSender,
    PostPoller,
    PublishingProcessor,
    PublishingSweeperService,
    TikTokAccountsService,
    TikTokOAuthService,
    TikTokPostsService,
  ],
  exports: [
    PublishingQueue,
    PublishingSecrets,
    PostsRepository,
    PostSteps,
    TikTokAccountsService,
    TikTokOAuthService,
    TikTokPostsService,
  ],
})
export class PublishingModule {}
