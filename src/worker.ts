import './common/threadpool';
import * as http from 'node:http';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RedisConnection } from './common/redis-connection';
import { configureSharp } from './common/sharp-settings';
import { EngineModule } from './engine.module';
import { logLevels } from './config/config.module';
import { ConfigError, loadConfig } from './config/config.schema';
import { WorkerHeartbeatService } from './health/worker-heartbeat.service';
import { MetricsService } from './metrics/metrics.service';

/**
 * `npm run start:worker`: queue processors only, no public HTTP. Run any number of these on any number of
 * machines sharing REDIS_URL, DATABASE_URL (PostgreSQL) and DATA_DIR. WORKER_HEALTH_PORT, when set, serves
 * GET /health on 127.0.0.1 for a supervisor or a container healthcheck, and GET /metrics (Prometheus) for this worker.
 */
async function main(): Promise<void> {
  const logger = new Logger('Worker');
  let config;
  try {
    config = loadConfig({ ...process.env, WORKERS: 'true' });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  configureSharp(config.sharp);
  const app = await NestFactory.createApplicationContext(EngineModule.register(config), {
    logger: logLevels(config.logLevel),
  });
  app.enableShutdownHooks();
  await app.init();
  if (config.workers.healthPort) {
    const beats = app.get(WorkerHeartbeatService);
    const metrics = app.get(MetricsService);
    const redis = app.get(RedisConnection);
    const server = http.createServer((req, res) => {
      if (req.url === '/metrics') {
        return void metrics
          .render()
          .then(({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body))
          .catch((e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(e.message));
      }
      if (req.url !== '/health') return void res.writeHead(404).end();
      const link = redis.state();
      // Redis lost: say so (and since when) at once; the worker retries on its own and recovers when it is back.
      if (!link.connected) {
        return void res
          .writeHead(503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'down', pid: process.pid, redis: link }));
      }
      beats
        .live()
        .then((list) =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: 'ok', pid: process.pid, workers: list.length, redis: link })),
        )
        .catch((e: Error) =>
          res
            .writeHead(503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: 'down', error: e.message, redis: redis.state() })),
        );
    });
    server.listen(config.workers.healthPort, '127.0.0.1');
    process.once('SIGTERM', () => server.close());
  }
  logger.log(
    `worker ${process.pid} consuming batches, links, variations, publishing (concurrency ${config.workers.concurrency})`,
  );
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
