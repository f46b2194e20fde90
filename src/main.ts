import './common/threadpool';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ensureRedis } from './common/private-redis';
import { configureSharp } from './common/sharp-settings';
import { ConfigError, loadConfig } from './config/config.schema';

/** `npm start`: the API, the admin UI and (unless WORKERS=false) the queue workers in one process. */
async function main(): Promise<void> {
  const logger = new Logger('Main');
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  configureSharp(config.sharp);
  const stopRedis = await ensureRedis(config.redisUrl, config.dataDir, (m) => logger.log(m));
  const app = await createApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  logger.log(
    `Slideshow Studio on ${url} (UI /, API docs /api/docs, queues /admin/queues); generator ${config.generator}, storage ${config.storage}, ` +
      `database ${config.database.type}, workers ${config.workers.enabled ? `on (concurrency ${config.workers.concurrency})` : 'off'}`,
  );
  process.once('exit', stopRedis);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
