import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { secretsKeyProblem } from './secrets';

/** The longest TOKEN_TTL_SECONDS may be: also how long a retired signing key verifies when no TTL is given. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 86_400;

/**
 * Every setting comes from the environment, validated once, so a typo in a
 * variable fails at start with the variable's name rather than half-way
 * through a run. docs/configuration.md lists the same variables.
 */
const envSchema = z.object({
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_PRETTY: z.enum(['auto', 'true', 'false']).default('auto'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Unset: 127.0.0.1 under the embedded defaults (no DATABASE_URL, no TEMPORAL_ADDRESS), else 0.0.0.0. */
  HOST: z.string().optional(),
  DATA_DIR: z.string().default(path.resolve(process.cwd(), 'data')),
  COORD_CACHE_DIR: z.string().optional(),

  DATABASE_URL: z.string().url().optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(55432),

  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('coordination'),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_CLI: z.string().optional(),
  TEMPORAL_CLI_VERSION: z.string().default('v1.5.1'),
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),

  /** `npm run cluster`: the Temporal server built from Go modules, and how many product processes beside it. */
  TEMPORAL_SERVER_VERSION: z.string().default('v1.29.1'),
  CLUSTER_WORKERS: z.coerce.number().int().min(1).max(16).default(2),
  CLUSTER_APIS: z.coerce.number().int().min(1).max(16).default(2),
  /** History shards of a new cluster; fixed once its history database exists. */
  CLUSTER_SHARDS: z.coerce.number().int().min(1).max(16384).default(4),
  /** Temporal's databases on the PostgreSQL server: this name and `<name>_visibility`. */
  CLUSTER_TEMPORAL_DB: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _, at most 41 characters')
    .default('temporal'),
  /** How long Temporal keeps a closed workflow's history (the product's own records stay in its database). */
  TEMPORAL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),

  PLAN_FILE: z.string().optional(),

  /** Compressed clock for demos and tests: one working day lasts this many ms. Unset: real working days. */
  WORKING_DAY_MS: z.coerce.number().int().min(10).max(86_400_000).optional(),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  NOTIFY_MERGE_WINDOW_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  NOTIFY_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(2_000),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  NOTIFY_BACKOFF_BASE_MS: z.coerce.number().int().min(10).max(86_400_000).default(30_000),
  SMTP_URL: z.string().url().optional(),
  /** Allow webhooks to loopback, private and link-local addresses (on-premises IM gateways). */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  MAIL_FROM: z.string().default('领导小组办公室 <coord@localhost>'),
  // The time of day only: the Schedule runs daily and the plan's digest weekday picks the day (platform/digest-schedule.ts).
  DIGEST_CRON: z.string().default('0 8 * * *'),
  TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(MAX_TOKEN_TTL_SECONDS).default(8 * 3600),
  /**
   * Demo accounts (admin, secretariat, leader, one liaison per department, with generated passwords
   * printed once) on a first start with no users. Unset: only under the embedded defaults (no DATABASE_URL),
   * so a deployment's database never gets accounts whose passwords went to a log.
   */
  DEMO_USERS: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  /**
   * The key that encrypts secrets stored in the database (webhook secrets): 32 bytes as 64 hex digits or
   * base64. Unset: <DATA_DIR>/secrets.key, made on first use. Every process of a deployment needs the same key.
   */
  SECRETS_KEY: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      const problem = v === undefined ? undefined : secretsKeyProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** How long an API write waits for its workflow before answering 503 with Retry-After, so no request hangs. */
  UPDATE_WAIT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /**
   * Which proxy hops express trusts for the client address (X-Forwarded-For), as its `trust proxy`
   * setting: `false` (default: the socket's address), a hop count (`1`: one proxy in front), or
   * addresses/subnets/`loopback`, comma-separated. `true` trusts any hop: only behind a proxy that
   * overwrites the header. Sign-in limits count per client address.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' || v === '' ? false : /^\d+$/.test(v) ? Number(v) : v)),
  /** When set, GET /metrics answers 401 without `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().optional(),
});

export type Config = Omit<z.infer<typeof envSchema>, 'HOST'> & { HOST: string; cacheDir: string; defaultPlanFile: string };

/**
 * The embedded defaults (a PostgreSQL and a Temporal dev server started by the
 * process itself, no passwords) are a developer's machine: listen on loopback
 * only. Given external services it is a deployment, reached from other hosts.
 */
export function defaultHost(env: { DATABASE_URL?: string; TEMPORAL_ADDRESS?: string }): string {
  return env.DATABASE_URL || env.TEMPORAL_ADDRESS ? '0.0.0.0' : '127.0.0.1';
}

export const projectRoot = path.resolve(__dirname, '..');

/** Shared by every clone on this machine, so the Temporal CLI is built once. */
function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'shandong-coord');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid environment: ${problems}`);
  }
  const cfg = parsed.data;
  return {
    ...cfg,
    HOST: cfg.HOST || defaultHost(cfg),
    METRICS_TOKEN: cfg.METRICS_TOKEN || undefined,
    DATA_DIR: path.resolve(cfg.DATA_DIR),
    cacheDir: cfg.COORD_CACHE_DIR ? path.resolve(cfg.COORD_CACHE_DIR) : defaultCacheDir(),
    defaultPlanFile: cfg.PLAN_FILE
      ? path.resolve(cfg.PLAN_FILE)
      : path.join(projectRoot, 'plans', 'shandong-internet-plus-2016-2018.yaml'),
  };
}
