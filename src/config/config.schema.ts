import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';

/**
 * The configuration contract (the README's configuration table), validated once at boot. Every variable
 * is read here and nowhere else; the rest of the app receives the typed `AppConfig` through `@InjectConfig()`.
 */

/**
 * Where CRASH_AT (a test hook, unset in production) kills the process: inside the transaction of a
 * variation, link or batch ending (after the state change, before its activity entry), or after a
 * delivered file's bytes are on disk but before it gets its final name.
 */
export const CRASH_POINTS = ['variation-ended', 'link-ended', 'batch-ended', 'file-written'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The offline generator's default start rate: it costs nothing, so only the CPU bounds it. 2 starts a second
 * per core: the machinery-overhead bench renders 4.1 variations/s on 2 cores (three 1080×1440 slides each,
 * about 2 per core-second), so the limiter neither holds rendering back nor queues far ahead of it.
 */
export function defaultLocalRate(cores: number = os.cpus().length): string {
  return `${Math.max(1, cores) * 2}/s`;
}

/** `10/m`, `5/s`, `100/h` → `{max, durationMs}`. */
export function parseRate(value: string): { max: number; durationMs: number } {
  const m = /^\s*(\d+)\s*\/\s*([smh])\s*$/.exec(value);
  if (!m || Number(m[1]) < 1) throw new Error(`"${value}" is not a rate like 10/m, 5/s or 100/h`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
  return { max: Number(m[1]), durationMs: unit };
}

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? def : ['true', '1', 'yes'].includes(v)));

const int = (def: number, min: number, max: number) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(max)
    .optional()
    .transform((v) => v ?? def);

const url = z.string().url();

/** The output sizes Gemini's image models offer (`imageConfig.imageSize`). */
export const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

/** Gemini 3.1 Flash Image list prices per image, USD (output tokens per size × $60/M). */
const DEFAULT_IMAGE_PRICES = '1K=0.067,2K=0.101,4K=0.151';

/** `0.04` (every size) or `1K=0.067,2K=0.101,4K=0.151` → price per image call of each size. */
export function parseImagePrices(value: string): Record<ImageSize, number> {
  const single = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined;
  if (single !== undefined) return { '1K': single, '2K': single, '4K': single };
  const out: Partial<Record<ImageSize, number>> = {};
  for (const pair of value.split(',')) {
    const m = /^\s*(1K|2K|4K)\s*[=:]\s*(\d+(?:\.\d+)?)\s*$/i.exec(pair);
    if (!m) throw new Error(`"${pair.trim()}" is not a price like 0.04 or 2K=0.101`);
    out[m[1].toUpperCase() as ImageSize] = Number(m[2]);
  }
  const missing = IMAGE_SIZES.filter((k) => out[k] === undefined);
  if (missing.length) throw new Error(`no price for ${missing.join(', ')} (give one number or all of 1K=…,2K=…,4K=…)`);
  return out as Record<ImageSize, number>;
}

const rawSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?|sqlite):\/\//, 'must start with postgres:// or sqlite://')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')
    .default('studio'),
  WORKERS: bool(true),
  WORKER_CONCURRENCY: int(4, 1, 64),
  WORKER_HEALTH_PORT: int(0, 0, 65535),
  /** Worker processes the estimate assumes (each reads source text in one child); 1: this process alone. */
  ESTIMATE_WORKER_PROCESSES: int(1, 1, 1024),
  /** Cores those worker processes share, for the estimate (0: this machine's). */
  ESTIMATE_CORES: int(0, 0, 4096),
  /** How long one computed batch status serves every poller of that batch (0: computed per request). */
  STATUS_CACHE_MS: int(500, 0, 60_000),
  /** libvips operation cache per rendering process, MB (0: none). */
  SHARP_CACHE_MB: int(16, 0, 1024),
  /** libvips threads per image (0: sharp's default, 1 on glibc). */
  SHARP_CONCURRENCY: int(0, 0, 64),
  /** Unset: 10/m with Gemini (the paid quota), `defaultLocalRate()` with the offline generator. */
  VARIATION_RATE_LIMIT: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      try {
        if (v !== undefined) parseRate(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
  JOB_ATTEMPTS: int(5, 1, 20),
  JOB_BACKOFF_MS: int(5000, 10, 600_000),
  JOB_LOCK_MS: int(30_000, 1000, 600_000),
  JOB_STALLED_INTERVAL_MS: int(30_000, 500, 600_000),
  SHUTDOWN_GRACE_MS: int(30_000, 0, 600_000),
  SWEEP_INTERVAL_MS: int(60_000, 200, 3_600_000),
  GENERATOR: z.enum(['gemini', 'local']).optional(),
  GEMINI_API_KEYS: z.string().optional(),
  GEMINI_API_KEY: z.string().optional(),
  GEMINI_BASE_URL: url.optional(),
  GEMINI_TEXT_MODEL: z.string().min(1).default('gemini-2.5-flash'),
  GEMINI_IMAGE_MODEL: z.string().min(1).default('gemini-3.1-flash-image'),
  GEMINI_IMAGE_RPM: int(10, 1, 100_000),
  GEMINI_TEXT_RPM: int(60, 1, 100_000),
  GEMINI_RATE_WINDOW_MS: int(60_000, 100, 3_600_000),
  GEMINI_TEXT_MODE: z.enum(['renderer', 'model']).default('renderer'),
  GEMINI_IMAGE_SIZE: z.enum(IMAGE_SIZES).default('2K'),
  PRICE_PER_IMAGE_CALL: z
    .string()
    .default(DEFAULT_IMAGE_PRICES)
    .superRefine((v, ctx) => {
      try {
        parseImagePrices(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
  /** Gemini's Batch API bills half the interactive price. */
  ECONOMY_PRICE_FACTOR: z.coerce.number().min(0).max(1).default(0.5),
  // Inline jobs must stay under 20 MB: up to four ~200 KB reference images per request.
  GEMINI_BATCH_MAX_REQUESTS: int(20, 1, 1000),
  GEMINI_BATCH_POLL_MS: int(30_000, 50, 3_600_000),
  PRICE_PER_TEXT_CALL: z.coerce.number().min(0).default(0.002),
  STORAGE: z.enum(['local', 'drive']).default('local'),
  DRIVE_ROOT_URL: url.optional(),
  DRIVE_PARENT_FOLDER_ID: z.string().optional(),
  DRIVE_SHARE: z
    .string()
    .regex(/^(anyone|none|domain:[A-Za-z0-9.-]+)$/, 'must be anyone, none or domain:<domain>')
    .default('anyone'),
  GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
  DRIVE_CLIENT_ID: z.string().optional(),
  DRIVE_CLIENT_SECRET: z.string().optional(),
  DRIVE_REFRESH_TOKEN: z.string().optional(),
  DRIVE_ACCESS_TOKEN: z.string().optional(),
  TIKTOK_BASE_URL: url.default('https://www.tiktok.com'),
  TIKWM_BASE_URL: url.optional(),
  SOURCE_ALLOWED_HOSTS: z.string().optional(),
  SOURCE_CACHE_TTL_S: int(86_400, 0, 30 * 86_400),
  SOURCE_MIN_SLIDES: int(2, 1, 35),
  SOURCE_TIMEOUT_MS: int(15_000, 100, 120_000),
  SOURCE_MAX_BYTES: int(20 * 1024 * 1024, 1024, 200 * 1024 * 1024),
  UPLOAD_MAX_BYTES: int(15 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  VIDEO_SECONDS_PER_SLIDE: z.coerce.number().min(0.5).max(30).default(3),
  FFMPEG_PATH: z.string().default('ffmpeg'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  CORS_ORIGINS: z.string().optional(),
  PUBLIC_BASE_URL: url.optional(),
  TOKEN_ENCRYPTION_KEY: z.string().optional(),
  TIKTOK_CLIENT_KEY: z.string().min(1).optional(),
  TIKTOK_CLIENT_SECRET: z.string().min(1).optional(),
  TIKTOK_API_BASE_URL: url.default('https://open.tiktokapis.com'),
  TIKTOK_AUTHORIZE_URL: url.default('https://www.tiktok.com/v2/auth/authorize/'),
  TIKTOK_DIRECT_POST: bool(false),
  TIKTOK_INIT_LIMIT: int(6, 1, 1000),
  TIKTOK_STATUS_LIMIT: int(30, 1, 1000),
  TIKTOK_RATE_WINDOW_MS: int(60_000, 100, 3_600_000),
  TIKTOK_MAX_PENDING: int(5, 1, 100),
  TIKTOK_POLL_INTERVAL_MS: int(5000, 20, 600_000),
  TIKTOK_WAIT_RETRY_MS: int(60_000, 20, 3_600_000),
  TIKTOK_MEDIA_URL_TTL_S: int(3600, 1, 7 * 86_400),
  TIKTOK_HTTP_TIMEOUT_MS: int(20_000, 100, 120_000),
  TEXT_READER: bool(true),
  TEXT_READER_IDLE_MS: int(60_000, 0, 3_600_000),
  TEXT_READER_TIMEOUT_MS: int(180_000, 1000, 3_600_000),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  CRASH_AT: z.enum(CRASH_POINTS).optional(),
});

const DEFAULT_SOURCE_HOSTS = [
  'www.tiktok.com',
  'tiktok.com',
  'm.tiktok.com',
  'vm.tiktok.com',
  'vt.tiktok.com',
  '*.tiktokcdn.com',
  '*.tiktokcdn-us.com',
  '*.tiktokcdn-eu.com',
  '*.tiktokv.com',
  '*.tiktokv.us',
  '*.ibytedtos.com',
  '*.byteoversea.com',
  '*.muscdn.com',
];

function hostOf(u: string | undefined): string | undefined {
  return u ? new URL(u).hostname : undefined;
}

/** 32 bytes, as base64 (44 characters) or hex (64); anything else is refused at boot. */
export function parseEncryptionKey(value: string): Buffer {
  const v = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v)
    ? Buffer.from(v, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(v)
      ? Buffer.from(v, 'base64')
      : undefined;
  if (!key || key.length !== 32)
    throw new Error('must be 32 random bytes, base64 (44 characters) or hex (64): openssl rand -base64 32');
  return key;
}

function publishingConfig(raw: z.infer<typeof rawSchema>) {
  const publicBaseUrl = raw.PUBLIC_BASE_URL?.replace(/\/+$/, '');
  const missing = [
    !raw.TIKTOK_CLIENT_KEY && 'TIKTOK_CLIENT_KEY',
    !raw.TIKTOK_CLIENT_SECRET && 'TIKTOK_CLIENT_SECRET',
    !publicBaseUrl && 'PUBLIC_BASE_URL',
    !raw.TOKEN_ENCRYPTION_KEY && 'TOKEN_ENCRYPTION_KEY',
  ].filter((v): v is string => !!v);
  return {
    /** The public address TikTok redirects to and pulls images from (no trailing slash). */
    publicBaseUrl,
    redirectUri: publicBaseUrl ? `${publicBaseUrl}/api/tiktok/callback` : undefined,
    /** Empty when sending to TikTok is possible; else the variables still to set. */
    missing,
    enabled: missing.length === 0,
    /** Decoded TOKEN_ENCRYPTION_KEY; the raw string is kept nowhere. */
    encryptionKey: raw.TOKEN_ENCRYPTION_KEY ? parseEncryptionKey(raw.TOKEN_ENCRYPTION_KEY) : undefined,
    tiktok: {
      clientKey: raw.TIKTOK_CLIENT_KEY,
      clientSecret: raw.TIKTOK_CLIENT_SECRET,
      apiBaseUrl: raw.TIKTOK_API_BASE_URL.replace(/\/+$/, ''),
      authorizeUrl: raw.TIKTOK_AUTHORIZE_URL,
      directPost: raw.TIKTOK_DIRECT_POST,
      initLimit: raw.TIKTOK_INIT_LIMIT,
      statusLimit: raw.TIKTOK_STATUS_LIMIT,
      windowMs: raw.TIKTOK_RATE_WINDOW_MS,
      maxPending: raw.TIKTOK_MAX_PENDING,
      pollIntervalMs: raw.TIKTOK_POLL_INTERVAL_MS,
      waitRetryMs: raw.TIKTOK_WAIT_RETRY_MS,
      mediaUrlTtlS: raw.TIKTOK_MEDIA_URL_TTL_S,
      httpTimeoutMs: raw.TIKTOK_HTTP_TIMEOUT_MS,
    },
  };
}

function buildConfig(raw: z.infer<typeof rawSchema>) {
  const dataDir = path.resolve(raw.DATA_DIR);
  const geminiKeys = (raw.GEMINI_API_KEYS ?? raw.GEMINI_API_KEY ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const generator = raw.GENERATOR ?? (geminiKeys.length ? 'gemini' : 'local');
  const configuredHosts = [raw.TIKTOK_BASE_URL, raw.TIKWM_BASE_URL].map(hostOf).filter((h): h is string => !!h);
  const allowedHosts = [
    ...(raw.SOURCE_ALLOWED_HOSTS
      ? raw.SOURCE_ALLOWED_HOSTS.split(',').map((h) => h.trim().toLowerCase())
      : DEFAULT_SOURCE_HOSTS),
    ...configuredHosts,
  ].filter(Boolean);
  const database = raw.DATABASE_URL?.startsWith('postgres')
    ? ({ type: 'postgres', url: raw.DATABASE_URL } as const)
    : ({
        type: 'sqlite',
        path: raw.DATABASE_URL ? raw.DATABASE_URL.replace(/^sqlite:\/\//, '') : path.join(dataDir, 'studio.sqlite'),
      } as const);
  return {
    port: raw.PORT,
    host: raw.HOST,
    isLoopback: LOOPBACK_HOSTS.has(raw.HOST),
    dataDir,
    database,
    redisUrl: raw.REDIS_URL,
    queuePrefix: raw.QUEUE_PREFIX,
    workers: {
      enabled: raw.WORKERS,
      concurrency: raw.WORKER_CONCURRENCY,
      healthPort: raw.WORKER_HEALTH_PORT,
      shutdownGraceMs: raw.SHUTDOWN_GRACE_MS,
    },
    /** The worker CPU the time estimates assume (src/generation/estimate.ts). */
    estimate: {
      workerProcesses: raw.ESTIMATE_WORKER_PROCESSES,
      cores: raw.ESTIMATE_CORES || Math.max(1, os.cpus().length),
    },
    jobs: {
      attempts: raw.JOB_ATTEMPTS,
      backoffMs: raw.JOB_BACKOFF_MS,
      lockMs: raw.JOB_LOCK_MS,
      stalledIntervalMs: raw.JOB_STALLED_INTERVAL_MS,
      /** How often a worker looks for rows whose job was lost (batch-sweeper.service.ts). */
      sweepIntervalMs: raw.SWEEP_INTERVAL_MS,
    },
    variationRate: parseRate(raw.VARIATION_RATE_LIMIT ?? (generator === 'local' ? defaultLocalRate() : '10/m')),
    statusCacheMs: raw.STATUS_CACHE_MS,
    sharp: { cacheMb: raw.SHARP_CACHE_MB, concurrency: raw.SHARP_CONCURRENCY },
    generator,
    gemini: {
      keys: geminiKeys,
      baseUrl: raw.GEMINI_BASE_URL,
      textModel: raw.GEMINI_TEXT_MODEL,
      imageModel: raw.GEMINI_IMAGE_MODEL,
      imageRpm: raw.GEMINI_IMAGE_RPM,
      textRpm: raw.GEMINI_TEXT_RPM,
      windowMs: raw.GEMINI_RATE_WINDOW_MS,
      textMode: raw.GEMINI_TEXT_MODE,
      imageSize: raw.GEMINI_IMAGE_SIZE,
      /** Price of one image call at `imageSize` (fast mode); `imagePrices` has every size. */
      pricePerImageCall: parseImagePrices(raw.PRICE_PER_IMAGE_CALL)[raw.GEMINI_IMAGE_SIZE],
      imagePrices: parseImagePrices(raw.PRICE_PER_IMAGE_CALL),
      economyPriceFactor: raw.ECONOMY_PRICE_FACTOR,
      batchMaxRequests: raw.GEMINI_BATCH_MAX_REQUESTS,
      batchPollMs: raw.GEMINI_BATCH_POLL_MS,
      pricePerTextCall: raw.PRICE_PER_TEXT_CALL,
    },
    storage: raw.STORAGE,
    drive: {
      rootUrl: raw.DRIVE_ROOT_URL,
      parentFolderId: raw.DRIVE_PARENT_FOLDER_ID,
      share: raw.DRIVE_SHARE,
      credentialsFile: raw.GOOGLE_APPLICATION_CREDENTIALS,
      clientId: raw.DRIVE_CLIENT_ID,
      clientSecret: raw.DRIVE_CLIENT_SECRET,
      refreshToken: raw.DRIVE_REFRESH_TOKEN,
      accessToken: raw.DRIVE_ACCESS_TOKEN,
    },
    source: {
      tiktokBaseUrl: raw.TIKTOK_BASE_URL.replace(/\/$/, ''),
      tikwmBaseUrl: raw.TIKWM_BASE_URL?.replace(/\/$/, ''),
      allowedHosts,
      /** Hosts named in configured base URLs: the only ones allowed plain http and private addresses. */
      configuredHosts,
      cacheTtlS: raw.SOURCE_CACHE_TTL_S,
      minSlides: raw.SOURCE_MIN_SLIDES,
      timeoutMs: raw.SOURCE_TIMEOUT_MS,
      maxBytes: raw.SOURCE_MAX_BYTES,
    },
    uploads: { maxBytes: raw.UPLOAD_MAX_BYTES },
    /** The source-text reader's child process (src/generation/text-reader). */
    textReader: {
      enabled: raw.TEXT_READER,
      idleMs: raw.TEXT_READER_IDLE_MS,
      requestTimeoutMs: raw.TEXT_READER_TIMEOUT_MS,
    },
    video: { secondsPerSlide: raw.VIDEO_SECONDS_PER_SLIDE, ffmpegPath: raw.FFMPEG_PATH },
    auth: { adminPassword: raw.ADMIN_PASSWORD },
    publishing: publishingConfig(raw),
    corsOrigins: raw.CORS_ORIGINS ? raw.CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
    logLevel: raw.LOG_LEVEL,
    /** Test hook: the process SIGKILLs itself the first time it reaches this point (crash-point.ts). */
    crashAt: raw.CRASH_AT,
  };
}

export type AppConfig = ReturnType<typeof buildConfig>;

export class ConfigError extends Error {}

/** Validates `env` and returns the typed configuration, or throws naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings mean "unset", as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = rawSchema
    .superRefine((v, ctx) => {
      if (v.TOKEN_ENCRYPTION_KEY) {
        try {
          parseEncryptionKey(v.TOKEN_ENCRYPTION_KEY);
        } catch (e) {
          ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEY'], message: (e as Error).message });
        }
      }
      if (v.PUBLIC_BASE_URL) {
        const u = new URL(v.PUBLIC_BASE_URL);
        // TikTok only redirects to and pulls from https; plain http is for loopback tests and local fakes.
        if (u.protocol !== 'https:' && !LOOPBACK_HOSTS.has(u.hostname)) {
          ctx.addIssue({
            code: 'custom',
            path: ['PUBLIC_BASE_URL'],
            message: 'must be an https:// address (TikTok pulls images and redirects only over https)',
          });
        }
        if (u.search || u.hash)
          ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'must have no query or fragment' });
      }
    })
    .safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = buildConfig(parsed.data);
  const problems: string[] = [];
  if (!config.isLoopback && !config.auth.adminPassword) {
    problems.push(`  ADMIN_PASSWORD: required when HOST (${config.host}) is not loopback`);
  }
  if (config.generator === 'gemini' && config.gemini.keys.length === 0) {
    problems.push('  GEMINI_API_KEYS: GENERATOR=gemini needs at least one key');
  }
  if (config.storage === 'drive' && !config.drive.parentFolderId) {
    problems.push('  DRIVE_PARENT_FOLDER_ID: STORAGE=drive needs the folder (or shared drive) to write into');
  }
  if (
    config.storage === 'drive' &&
    !config.drive.credentialsFile &&
    !config.drive.refreshToken &&
    !config.drive.accessToken
  ) {
    problems.push(
      '  GOOGLE_APPLICATION_CREDENTIALS: STORAGE=drive needs a service-account key file, or DRIVE_CLIENT_ID/DRIVE_CLIENT_SECRET/DRIVE_REFRESH_TOKEN',
    );
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return config;
}
