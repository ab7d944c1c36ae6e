import type { Knex } from 'knex';
import type { Logger } from '../platform/logger';
import type { Config } from '../platform/config';
import { createMailer, type Mailer } from './mailer';
import { readStoredSecret, type SecretBox } from '../platform/secrets';
import type { Channel } from './channels';
import { mailText } from './texts';
import { postWebhook, WebhookTargetRefused } from './webhook';

export interface NotificationDispatcherOptions {
  db: Knex;
  log: Logger;
  /** Unset when SMTP_URL is not configured: e-mail deliveries then wait, pending, for a restart with one. */
  mailer: Mailer | undefined;
  mailFrom: string;
  pollIntervalMs: number;
  /** A delivery that has failed this many times is given up as 'failed'. */
  maxAttempts: number;
  /** The wait after the first failure; it doubles with every further one. */
  backoffBaseMs: number;
  fetchImpl?: typeof fetch;
  /** Deliveries claimed per round trip. */
  batchSize?: number;
  /**
   * How long a claimed delivery is left to its worker. A worker that dies
   * mid-send leaves the claim to expire, after which another worker sends it
   * again; it must exceed the slowest send (webhook timeout, SMTP timeouts).
   */
  claimLeaseMs?: number;
  webhookTimeoutMs?: number;
  /**
   * Allow webhooks to loopback, private and link-local addresses (on-premises
   * IM gateways); default WEBHOOK_ALLOW_PRIVATE=true in the environment.
   */
  allowPrivateTargets?: boolean;
  /** Opens the webhook secrets as stored (SECRETS_KEY). */
  secrets: SecretBox;
}

export interface NotificationDispatcher {
  start(): void;
  /** Stops polling and waits for a delivery round in progress to finish. */
  stop(): Promise<void>;
  /** One round: close due messages, then send every due delivery. Resolves to how many were sent. */
  runOnce(): Promise<number>;
}

interface Claimed {
  id: number;
  messageId: number;
  channel: Channel;
  /** Including this attempt. */
  attempts: number;
}

interface Outgoing {
  id: number;
  kind: string;
  subject: string;
  body: string;
  departmentCode: string;
  departmentName: string;
  webhookUrl: string | null;
  webhookSecret: string | null;
  email: string | null;
  entries: { key: string; kind: string; itemKey: string | null; title: string; body: string; businessDate: string }[];
}

/**
 * A message stops taking merged entries once its window has passed. A message
 * whose row notify() holds, while it adds an entry, is skipped until the next
 * round, so an entry is either in before the close or goes to the next
 * message; skipping also keeps two workers closing at once from deadlocking.
 */
async function closeDueMessages(db: Knex): Promise<number> {
  return db('notification_messages')
    .whereIn(
      'id',
      db('notification_messages').select('id').whereNull('closed_at').where('send_after', '<=', db.fn.now()).forUpdate().skipLocked(),
    )
    .update({ closed_at: db.fn.now() });
}

/**
 * Claims by pushing next_attempt_at out by the lease, in one committed
 * statement: no transaction stays open across the network, `skip locked` lets
 * several workers claim side by side, and a claim lost to a crash simply
 * expires and is sent again (at-least-once per delivery).
 */
async function claimDue(db: Knex, opts: { limit: number; leaseMs: number; withEmail: boolean }): Promise<Claimed[]> {
  const res = (await db.raw(
    `with due as (
       select d.id
         from notification_deliveries d
         join notification_messages m on m.id = d.message_id
        where d.status = 'pending'
          and d.next_attempt_at <= now()
          and m.closed_at is not null
          and (? or d.channel <> 'email')
        order by d.next_attempt_at, d.id
        limit ?
        for update of d skip locked
     )
     update notification_deliveries d
        set attempts = d.attempts + 1,
            next_attempt_at = now() + ? * interval '1 millisecond'
       from due
      where d.id = due.id
     returning d.id, d.message_id, d.channel, d.attempts`,
    [opts.withEmail, opts.limit, opts.leaseMs],
  )) as { rows: { id: string; message_id: string; channel: Channel; attempts: number }[] };
  return res.rows.map((r) => ({ id: Number(r.id), messageId: Number(r.message_id), channel: r.channel, attempts: r.attempts }));
}

/** Channel settings are read at send time, so a corrected URL or address helps deliveries still retrying. */
async function loadOutgoing(db: Knex, messageId: number): Promise<Outgoing | undefined> {
  const m = (await db('notification_messages as m')
    .join('departments as dpt', 'dpt.id', 'm.department_id')
    .leftJoin('department_channels as c', 'c.department_id', 'm.department_id')
    .where('m.id', messageId)
    .first('m.id', 'm.kind', 'm.subject', 'm.body', 'dpt.code', 'dpt.name', 'c.webhook_url', 'c.webhook_secret', 'c.email')) as
    | Record<string, string | null>
    | undefined;
  if (!m) return undefined;
  const entries = (await db('notifications')
    .where({ message_id: messageId })
    .orderBy('id')
    .select('key', 'kind', 'item_key', 'title', 'body', db.raw(`to_char(business_date, 'YYYY-MM-DD') as business_date`))) as Record<
    string,
    string | null
  >[];
  return {
    id: Number(m.id),
    kind: String(m.kind),
    subject: String(m.subject),
    body: String(m.body),
    departmentCode: String(m.code),
    departmentName: String(m.name),
    webhookUrl: m.webhook_url ?? null,
    webhookSecret: m.webhook_secret ?? null,
    email: m.email ?? null,
    entries: entries.map((e) => ({
      key: String(e.key),
      kind: String(e.kind),
      itemKey: e.item_key ?? null,
      title: String(e.title),
      body: String(e.body),
      businessDate: String(e.business_date),
    })),
  };
}

function webhookPayload(out: Outgoing) {
  return {
    id: out.id,
    kind: out.kind,
    department: out.departmentCode,
    subject: out.subject,
    body: out.body,
    entries: out.entries,
    sentAt: new Date().toISOString(),
  };
}

/** The department's webhook secret, opened; an error that names the department, never the secret. */
function webhookSecretOf(department: string, stored: string, secrets: SecretBox): string {
  try {
    return readStoredSecret(stored, secrets);
  } catch (err) {
    throw new Error(`the webhook secret of department ${department} cannot be used: ${(err as Error).message}`);
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`.slice(0, 1000);
  }
  return String(err).slice(0, 1000);
}

export function createNotificationDispatcher(opts: NotificationDispatcherOptions): NotificationDispatcher {
  const { db, mailer, mailFrom, pollIntervalMs, maxAttempts, backoffBaseMs, fetchImpl } = opts;
  const log = opts.log.child({ component: 'notification-dispatcher' });
  const batchSize = opts.batchSize ?? 20;
  const claimLeaseMs = opts.claimLeaseMs ?? 120_000;
  const webhookTimeoutMs = opts.webhookTimeoutMs ?? 10_000;
  const allowPrivate = opts.allowPrivateTargets ?? process.env.WEBHOOK_ALLOW_PRIVATE === 'true';
  const inFlight = new Set<Promise<number>>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopRequested = false;
  let warnedNoMailer = false;

  async function send(d: Claimed, out: Outgoing): Promise<void> {
    if (d.channel === 'webhook') {
      if (!out.webhookUrl || !out.webhookSecret) throw new Error('the department has no webhook configured any more');
      const secret = webhookSecretOf(out.departmentCode, out.webhookSecret, opts.secrets);
      await postWebhook({ url: out.webhookUrl, secret, deliveryId: d.id, payload: webhookPayload(out), timeoutMs: webhookTimeoutMs, allowPrivate, fetchImpl });
      return;
    }
    if (!out.email) throw new Error('the department has no e-mail address configured any more');
    if (!mailer) throw new Error('no SMTP transport');
    await mailer.sendMail({ from: mailFrom, to: out.email, subject: out.subject, text: mailText(out.body) });
  }

  async function markSent(d: Claimed): Promise<void> {
    // Not guarded by attempts: it was sent, whichever claim is current.
    await db('notification_deliveries')
      .where({ id: d.id, status: 'pending' })
      .update({ status: 'sent', sent_at: db.fn.now(), last_error: null });
  }

  /**
   * Waits backoffBaseMs * 2^(attempts before this one): base, 2x base, 4x base, ...
   * A permanent failure (a refused webhook target) is given up at once.
   */
  async function markFailed(d: Claimed, error: string, permanent = false): Promise<void> {
    const giveUp = permanent || d.attempts >= maxAttempts;
    const delayMs = backoffBaseMs * 2 ** (d.attempts - 1);
    // Guarded by attempts: if our lease ran out and another worker holds a newer claim, its outcome counts.
    await db('notification_deliveries')
      .where({ id: d.id, status: 'pending', attempts: d.attempts })
      .update({
        status: giveUp ? 'failed' : 'pending',
        last_error: error,
        next_attempt_at: giveUp ? db.fn.now() : db.raw(`now() + ? * interval '1 millisecond'`, [delayMs]),
      });
    const fields = { delivery: d.id, message: d.messageId, channel: d.channel, attempts: d.attempts, error };
    if (giveUp) log.error(fields, 'notification delivery failed for good');
    else log.warn({ ...fields, retryInMs: delayMs }, 'notification delivery failed, will retry');
  }

  async function deliver(d: Claimed): Promise<boolean> {
    try {
      const out = await loadOutgoing(db, d.messageId);
      if (!out) throw new Error(`message ${d.messageId} is gone`);
      await send(d, out);
    } catch (err) {
      await markFailed(d, errorText(err), err instanceof WebhookTargetRefused);
      return false;
    }
    await markSent(d);
    log.info({ delivery: d.id, message: d.messageId, channel: d.channel, attempts: d.attempts }, 'notification delivered');
    return true;
  }

  async function warnIfMailWaits(): Promise<void> {
    if (mailer || warnedNoMailer) return;
    const waiting = await db('notification_deliveries').where({ channel: 'email', status: 'pending' }).first('id');
    if (!waiting) return;
    warnedNoMailer = true;
    log.warn('SMTP_URL is not set: e-mail deliveries stay pending until the worker runs with it');
  }

  async function round(): Promise<number> {
    await closeDueMessages(db);
    await warnIfMailWaits();
    let sent = 0;
    for (;;) {
      const batch = await claimDue(db, { limit: batchSize, leaseMs: claimLeaseMs, withEmail: mailer !== undefined });
      const results = await Promise.all(batch.map(deliver));
      sent += results.filter(Boolean).length;
      // A short batch means nothing more is due; a stop ends the round after the batch in hand.
      if (batch.length < batchSize || stopRequested) return sent;
    }
  }

  function runOnce(): Promise<number> {
    const p = round().finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  }

  function schedule(delayMs: number): void {
    timer = setTimeout(() => {
      timer = undefined;
      runOnce()
        .catch((err: unknown) => log.error({ err }, 'notification dispatch round failed; retrying at the next poll'))
        .finally(() => {
          if (running) schedule(pollIntervalMs);
        });
    }, delayMs);
    // The worker and the HTTP server keep the process alive, not this poll.
    timer.unref();
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopRequested = false;
      schedule(0);
      log.info({ pollIntervalMs, email: mailer !== undefined }, 'notification dispatcher started');
    },
    async stop() {
      running = false;
      stopRequested = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.allSettled([...inFlight]);
      log.info('notification dispatcher stopped');
    },
    runOnce,
  };
}

/** The dispatcher as `npm start` and `npm run worker` run it, from configuration; stop() also closes the SMTP transport. */
export function startDispatcherFromConfig(
  cfg: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'NOTIFY_POLL_MS' | 'NOTIFY_MAX_ATTEMPTS' | 'NOTIFY_BACKOFF_BASE_MS' | 'WEBHOOK_ALLOW_PRIVATE'>,
  db: Knex,
  log: Logger,
  secrets: SecretBox,
): { stop(): Promise<void> } {
  const mailer = cfg.SMTP_URL ? createMailer(cfg.SMTP_URL) : undefined;
  const dispatcher = createNotificationDispatcher({
    db,
    log: log.child({ component: 'notifications' }),
    mailer,
    mailFrom: cfg.MAIL_FROM,
    pollIntervalMs: cfg.NOTIFY_POLL_MS,
    maxAttempts: cfg.NOTIFY_MAX_ATTEMPTS,
    backoffBaseMs: cfg.NOTIFY_BACKOFF_BASE_MS,
    allowPrivateTargets: cfg.WEBHOOK_ALLOW_PRIVATE,
    secrets,
  });
  dispatcher.start();
  return {
    stop: async () => {
      await dispatcher.stop();
      mailer?.close();
    },
  };
}
