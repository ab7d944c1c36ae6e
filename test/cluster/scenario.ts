/**
 * What the cluster drill does and checks beside the modelled items (issue 13):
 * - a report returned and filed again, then accepted, and a 批示 with its
 *   落实反馈, on items of their own, through both API processes;
 * - the outbox: every department gets a webhook here, and each delivery the
 *   two workers' dispatchers made arrives exactly once;
 * - the weekly digest: one Schedule however many processes made sure of it,
 *   and one digest for the week however many times it runs;
 * - both API processes answer the same, and the mirror equals each
 *   workflow's state query for these items too.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { DELIVERY_HEADER } from '../../notifications';
import { WEEKLY_DIGEST_SCHEDULE_ID } from '../../workflows/digest';
import { itemWorkflowId } from '../../workflows/definitions';
import { checkMirror } from '../drills/check';
import type { DrillContext, DrillExtras, ExtraCheck } from '../drills/drill';
import { TEST_POLICY } from '../helpers/policy';

interface Received {
  deliveryId: string;
  at: number;
}

/** Fields that say when an answer was made, not what it says. */
const VOLATILE = new Set(['generatedAt', 'now', 'asOf', 'today', 'serverTime']);

function stripVolatile(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripVolatile);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !VOLATILE.has(k)).map(([k, x]) => [k, stripVolatile(x)]));
  return v;
}

export class ClusterExtras implements DrillExtras {
  readonly spareItems = 2;
  private receiver?: http.Server;
  private readonly received: Received[] = [];
  private returned?: { planCode: string; itemCode: string; lead: string };
  private instructed?: { planCode: string; itemCode: string; lead: string; instructionKey?: string };
  private readonly problems: string[] = [];

  async setUp(ctx: DrillContext): Promise<void> {
    await this.startReceiver();
    await this.giveWebhooks(ctx);
    const [r, i] = ctx.spareItems;
    if (!r || !i) throw new Error('the cluster scenario needs two spare items');
    this.returned = r;
    this.instructed = i;
    await this.returnAndAccept(ctx);
    await this.instructAndFeedBack(ctx);
  }

  private async startReceiver(): Promise<void> {
    this.receiver = http.createServer((req, res) => {
      const id = req.headers[DELIVERY_HEADER];
      req.resume();
      req.on('end', () => {
        if (typeof id === 'string') this.received.push({ deliveryId: id, at: Date.now() });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.receiver?.listen(0, '127.0.0.1', resolve));
  }

  /** Every department's notices to this process's receiver, set by the administrator through the API. */
  private async giveWebhooks(ctx: DrillContext): Promise<void> {
    const port = (this.receiver?.address() as AddressInfo).port;
    const departments = (await ctx.db('departments').select('code')) as { code: string }[];
    for (const d of departments) {
      const r = await ctx.api.write('admin', `/departments/${d.code}/channels`, { webhookUrl: `http://127.0.0.1:${port}/hook/${d.code}`, webhookSecret: crypto.randomBytes(16).toString('hex') }, `cluster-channels-${d.code}`, undefined, 'PUT');
      if (r.refused) this.problems.push(`webhook for ${d.code} refused: ${r.refused.status} ${r.refused.body}`);
    }
  }

  private async act(ctx: DrillContext, who: string, path: string, body: unknown, key: string): Promise<Record<string, unknown> | undefined> {
    const r = await ctx.api.write(who, path, body, `cluster-${key}`);
    if (r.refused) {
      this.problems.push(`${key}: refused with ${r.refused.status}: ${r.refused.body}`);
      return undefined;
    }
    return r.answer;
  }

  private async assignAndAcknowledge(ctx: DrillContext, it: { planCode: string; itemCode: string; lead: string }, cadence: 'quarterly' | 'yearly', tag: string): Promise<void> {
    const path = `/plans/${it.planCode}/items/${it.itemCode}`;
    const assign = { lead: it.lead, cooperating: [], cadence, ...TEST_POLICY, startDate: '2016-05-03', finalDeadline: '2025-12-31' };
    await this.act(ctx, 'secretariat', `${path}/assign`, assign, `${tag}-assign`);
    await this.act(ctx, it.lead, `${path}/acknowledge`, {}, `${tag}-ack`);
  }

  /** Assign, acknowledge, report, return with a new due date, report again, accept. */
  private async returnAndAccept(ctx: DrillContext): Promise<void> {
    const it = this.returned as NonNullable<typeof this.returned>;
    const path = `/plans/${it.planCode}/items/${it.itemCode}`;
    await this.assignAndAcknowledge(ctx, it, 'quarterly', 'r');
    await this.act(ctx, it.lead, `${path}/reports`, { periodSeq: 1, progress: '第1期进展(集群演练)', percentDone: 10 }, 'r-report-1');
    await this.act(ctx, 'secretariat', `${path}/review`, { decision: 'return', comment: '请补充量化指标', newDueOn: '2016-07-29' }, 'r-return');
    await this.act(ctx, it.lead, `${path}/reports`, { periodSeq: 1, progress: '第1期进展(补充量化指标)', percentDone: 20 }, 'r-report-2');
    await this.act(ctx, 'secretariat', `${path}/review`, { decision: 'accept', comment: '同意' }, 'r-accept');
  }

  /** Assign; the leading group issues a 批示; the lead files its 落实反馈. */
  private async instructAndFeedBack(ctx: DrillContext): Promise<void> {
    const it = this.instructed as NonNullable<typeof this.instructed>;
    const path = `/plans/${it.planCode}/items/${it.itemCode}`;
    await this.assignAndAcknowledge(ctx, it, 'yearly', 'i');
    const instruction = await this.act(ctx, 'leadership', `${path}/instructions`, { text: '请加快推进,按期报送进展(集群演练)' }, 'i-instruct');
    const key = instruction?.instructionKey as string | undefined;
    it.instructionKey = key;
    const id = key?.split(':').pop();
    if (id) await this.act(ctx, it.lead, `${path}/instructions/${id}/feedback`, { text: '已按批示要求部署落实(集群演练)' }, 'i-feedback');
  }

  async check(ctx: DrillContext): Promise<ExtraCheck[]> {
    const out = [await this.checkScenario(ctx), await this.checkOutbox(ctx), await this.checkDigest(ctx), await this.checkApisAgree(ctx)];
    this.receiver?.close();
    return out;
  }

  private async checkScenario(ctx: DrillContext): Promise<ExtraCheck> {
    const r = this.returned as NonNullable<typeof this.returned>;
    const i = this.instructed as NonNullable<typeof this.instructed>;
    const rKey = itemWorkflowId(r.planCode, r.itemCode);
    const iKey = itemWorkflowId(i.planCode, i.itemCode);
    const details = [...this.problems];
    const reports = (await ctx.db('reports as p')
      .join('assignments as a', 'a.id', 'p.assignment_id')
      .where('a.workflow_id', rKey)
      .orderBy('p.submitted_at')
      .select('p.period_seq as seq', 'p.kind', 'p.review', 'p.receipt_id as receipt')) as { seq: number; kind: string; review: string | null; receipt: string }[];
    const reviews = reports.map((p) => p.review ?? 'none');
    const returnedThenAccepted = reports.length === 2 && reports.every((p) => p.seq === 1 && p.kind === 'consolidated') && /^return/.test(reviews[0] ?? '') && /^accept/.test(reviews[1] ?? '');
    if (!returnedThenAccepted) details.push(`${rKey}: reports ${JSON.stringify(reports)}`);
    const instructions = (await ctx.db('instructions as n').join('assignments as a', 'a.id', 'n.assignment_id').where('a.workflow_id', iKey).select('n.key', 'n.feedback_text', 'n.feedback_at')) as { key: string; feedback_text: string | null }[];
    const instructionOnce = instructions.length === 1 && instructions[0]?.key === i.instructionKey && !!instructions[0]?.feedback_text;
    if (!instructionOnce) details.push(`${iKey}: instructions ${JSON.stringify(instructions)}`);
    const mirror = await checkMirror(ctx.db, ctx.client, [rKey, iKey]);
    details.push(...mirror.mismatched);
    const instructionNotices = Number(((await ctx.db('notifications').where('item_key', iKey).where('key', 'like', `%${i.instructionKey ?? '-'}%`).count({ n: '*' }).first()) as { n: string }).n);
    return {
      name: 'return, accept and 批示 through both API processes',
      ok: returnedThenAccepted && instructionOnce && mirror.mismatched.length === 0 && this.problems.length === 0,
      figures: { reports: reports.length, instructions: instructions.length, instructionNotices, mirrorChecked: mirror.checked, mirrorMismatched: mirror.mismatched.length, refusals: this.problems.length },
      details,
    };
  }

  /**
   * Each webhook delivery the dispatchers marked sent arrived, and none twice.
   * Deliveries still pending are let finish first (new ones keep coming as
   * the ladders climb, so only those pending at the start are waited for).
   */
  private async checkOutbox(ctx: DrillContext): Promise<ExtraCheck> {
    const deadline = Date.now() + 60_000;
    const pendingAtStart = ((await ctx.db('notification_deliveries').where({ channel: 'webhook', status: 'pending' }).select('id')) as { id: string }[]).map((d) => String(d.id));
    while (Date.now() < deadline) {
      const still = (await ctx.db('notification_deliveries').whereIn('id', pendingAtStart.length ? pendingAtStart : ['0']).where({ status: 'pending' }).count({ n: '*' }).first()) as { n: string };
      if (Number(still.n) === 0) break;
      await ctx.sleep(1_000);
    }
    const rows = (await ctx.db('notification_deliveries').where({ channel: 'webhook' }).select('id', 'status', 'attempts')) as { id: string; status: string; attempts: number }[];
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    const counts = new Map<string, number>();
    for (const r of this.received) counts.set(r.deliveryId, (counts.get(r.deliveryId) ?? 0) + 1);
    const sent = rows.filter((r) => r.status === 'sent');
    const missing = sent.filter((r) => !counts.has(String(r.id)));
    const duplicate = [...counts].filter(([, n]) => n > 1);
    const unknown = [...counts.keys()].filter((id) => !byId.has(id));
    const failed = rows.filter((r) => r.status === 'failed');
    const details = [
      ...missing.slice(0, 5).map((r) => `delivery ${r.id} marked sent, never received`),
      ...duplicate.slice(0, 5).map(([id, n]) => `delivery ${id} received ${n} times`),
      ...unknown.slice(0, 5).map((id) => `delivery ${id} received but not in the outbox`),
      ...failed.slice(0, 5).map((r) => `delivery ${r.id} failed after ${r.attempts} attempts`),
    ];
    return {
      name: 'outbox: two dispatchers deliver each notice once',
      ok: sent.length > 0 && missing.length === 0 && duplicate.length === 0 && unknown.length === 0 && failed.length === 0,
      figures: { deliveries: rows.length, sent: sent.length, received: this.received.length, missing: missing.length, duplicate: duplicate.length, unknown: unknown.length, failed: failed.length },
      details,
    };
  }

  /**
   * One digest Schedule (both API processes made sure of it at start, and
   * again after the kill), triggered three times here: one digest row for
   * the week and one notice per recipient.
   */
  private async checkDigest(ctx: DrillContext): Promise<ExtraCheck> {
    const schedules: string[] = [];
    for await (const s of ctx.client.schedule.list()) schedules.push(s.scheduleId);
    const handle = ctx.client.schedule.getHandle(WEEKLY_DIGEST_SCHEDULE_ID);
    const before = (await handle.describe()).info.numActionsTaken;
    // A second apart: a Schedule names each run after its second, so two triggers within one would be one run.
    for (let i = 0; i < 3; i++) {
      await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
      await ctx.sleep(1_100);
    }
    const deadline = Date.now() + 60_000;
    let runs = 0;
    let running = 1;
    while (Date.now() < deadline) {
      const d = await handle.describe();
      runs = d.info.numActionsTaken - before;
      running = d.info.runningActions.length;
      if (runs >= 3 && running === 0) break;
      await ctx.sleep(500);
    }
    const digests = (await ctx.db('digests').select('key')) as { key: string }[];
    const notices = (await ctx.db('notifications').where({ kind: 'digest' }).select('key')) as { key: string }[];
    const recipients = new Set(notices.map((n) => n.key));
    const ok = schedules.length === 1 && runs >= 3 && running === 0 && digests.length === 1 && recipients.size === notices.length && notices.length >= 1;
    return {
      name: 'weekly digest: one Schedule, one digest per week',
      ok,
      figures: { schedules: schedules.length, runs, digests: digests.length, digestNotices: notices.length },
      details: ok ? [] : [`schedules ${JSON.stringify(schedules)}, runs ${runs}, still running ${running}, digests ${JSON.stringify(digests)}, notices ${JSON.stringify(notices)}`],
    };
  }

  /** The same reads from both API processes at once agree (a few tries: deadlines keep falling due between two reads). */
  private async checkApisAgree(ctx: DrillContext): Promise<ExtraCheck> {
    const r = this.returned as NonNullable<typeof this.returned>;
    const reads: [string, string][] = [
      ['secretariat', '/board/summary'],
      ['secretariat', `/plans/${r.planCode}/items`],
      ['secretariat', `/plans/${r.planCode}/items/${r.itemCode}`],
      ['secretariat', `/plans/${r.planCode}/items/${r.itemCode}/timeline`],
      [r.lead, '/inbox'],
    ];
    const details: string[] = [];
    let agreed = 0;
    for (const [who, path] of reads) {
      let same = false;
      let last = '';
      for (let attempt = 0; attempt < 5 && !same; attempt++) {
        const answers = await Promise.all(ctx.api.urls.map((_, i) => ctx.api.read(who, path, i)));
        const [first, ...rest] = answers;
        same = first?.status === 200 && rest.every((a) => a.status === first.status && isDeepStrictEqual(stripVolatile(a.body), stripVolatile(first.body)));
        last = answers.map((a) => `${a.status} ${JSON.stringify(a.body).slice(0, 200)}`).join(' | ');
        if (!same) await ctx.sleep(300);
      }
      if (same) agreed += 1;
      else details.push(`${path} as ${who}: ${last}`);
    }
    return { name: 'both API processes answer the same', ok: agreed === reads.length, figures: { reads: reads.length, agreed, processes: ctx.api.urls.length }, details };
  }
}
