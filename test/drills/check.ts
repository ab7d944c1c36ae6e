/**
 * The drills' checks: what the engine wrote (notification, escalation, audit,
 * report and period rows) against what the model expects, and the mirror
 * against each workflow's `state` query.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import * as d from '../../workflows/definitions';
import { mirrorProblems } from '../helpers/mirror';
import { recoveryOf, reminderId, rungId, type ModelEvent, type ModelPeriod, type Subject } from './expected';
import type { FiledReport } from './scenario';

/** An event must be in PostgreSQL within this of its due instant, or of the recovery from an outage it fell into. */
export const LATE_AFTER_MS = 60_000;
/** A row this much before its event's due instant came early. */
const EARLY_MS = 1_000;

export interface Counts {
  expected: number;
  found: number;
  missing: number;
  duplicate: number;
  late: number;
  /** Rows of events that should not have happened (stopped, not planned, the wrong due date, early) or that no rule explains. */
  unexpected: number;
  /** Events the model cannot call either way (an action raced them); found or not, both are right. */
  uncertain: number;
  /** Expected, not there yet, and still within their allowance. */
  pending: number;
}

export const zero = (): Counts => ({ expected: 0, found: 0, missing: 0, duplicate: 0, late: 0, unexpected: 0, uncertain: 0, pending: 0 });

interface Row {
  createdAt: number;
}
interface ReminderRow extends Row {
  id: string;
  key: string;
  dueOn: string;
}
interface RungParts {
  escalation: Row[];
  lead: Row[];
  secretariat: Row[];
  audit: number;
}

export interface EngineRows {
  reminders: Map<string, ReminderRow[]>;
  rungs: Map<string, RungParts>;
  /** Rows that no ladder event explains (e.g. a notice of a blocked item), with when they were written. */
  strays: { what: string; createdAt: number }[];
  reports: { receiptId: string; itemKey: string; seq: number; kind: string; department: string; review: string | null; submittedAt: number }[];
  periods: Map<string, string>;
  /**
   * Reminders and the one 催办 of co-operating inputs (payload subject 'input'): counted, not modelled. The
   * drill's departments never file inputs, so every such notice is due; its rules are tested in
   * test/supervision-loop.test.ts, and a notice key is written once.
   */
  inputNotices: number;
}

const ESCALATION_KEY = /^escalation:(item:[^:]+:[^:]+):(acknowledgement|report|final):p(\d+):([a-z-]+)(:secretariat)?$/;

/** The engine's rows of the given items (all items when none are given). */
export async function loadEngineRows(db: Db, items?: ReadonlySet<string>): Promise<EngineRows> {
  const ours = (itemKey: string | null) => !items || (itemKey !== null && items.has(itemKey));
  const rows: EngineRows = { reminders: new Map(), rungs: new Map(), strays: [], reports: [], periods: new Map(), inputNotices: 0 };
  const part = (id: string) => {
    let p = rows.rungs.get(id);
    if (!p) rows.rungs.set(id, (p = { escalation: [], lead: [], secretariat: [], audit: 0 }));
    return p;
  };
  const notices = (await db('notifications').whereIn('kind', ['reminder', 'escalation']).select('key', 'kind', 'item_key', 'payload', 'created_at')) as {
    key: string;
    kind: string;
    item_key: string | null;
    payload: { periodSeq?: number; offset?: number; dueOn?: string; subject?: string };
    created_at: Date;
  }[];
  for (const n of notices) {
    if (!ours(n.item_key)) continue;
    const createdAt = new Date(n.created_at).getTime();
    if (n.payload.subject === 'input') {
      rows.inputNotices += 1;
      continue;
    }
    if (n.kind === 'reminder' && n.item_key && n.payload.offset !== undefined && n.payload.periodSeq !== undefined && n.payload.dueOn) {
      const id = reminderId(n.item_key, (n.payload.subject ?? 'report') as Subject, n.payload.periodSeq, n.payload.offset);
      const list = rows.reminders.get(id) ?? [];
      list.push({ id, key: n.key, dueOn: n.payload.dueOn, createdAt });
      rows.reminders.set(id, list);
      continue;
    }
    const m = n.kind === 'escalation' ? ESCALATION_KEY.exec(n.key) : null;
    if (m) {
      part(rungId(m[1] as string, m[2] as Subject, Number(m[3]), m[4] as string))[m[5] ? 'secretariat' : 'lead'].push({ createdAt });
      continue;
    }
    rows.strays.push({ what: `notification ${n.key}`, createdAt });
  }
  const escalations = (await db('escalations as e').join('assignments as a', 'a.id', 'e.assignment_id').select('e.key', 'e.subject', 'e.period_seq', 'e.rung', 'e.fired_at', 'a.workflow_id')) as {
    key: string;
    subject: Subject;
    period_seq: number;
    rung: string;
    fired_at: Date;
    workflow_id: string;
  }[];
  for (const e of escalations) {
    if (!ours(e.workflow_id)) continue;
    const id = rungId(e.workflow_id, e.subject, e.period_seq, e.rung);
    if (e.key !== `escalation:${e.workflow_id}:${e.subject}:p${e.period_seq}:${e.rung}`) rows.strays.push({ what: `escalation ${e.key}`, createdAt: new Date(e.fired_at).getTime() });
    else part(id).escalation.push({ createdAt: new Date(e.fired_at).getTime() });
  }
  const audits = (await db('audit_events').where({ action: 'item.escalate' }).select(db.raw(`payload->>'key' as key`)).count({ n: '*' }).groupBy(db.raw(`payload->>'key'`))) as { key: string; n: string }[];
  for (const a of audits) {
    const m = ESCALATION_KEY.exec(a.key);
    if (m && ours(m[1] as string)) part(rungId(m[1] as string, m[2] as Subject, Number(m[3]), m[4] as string)).audit += Number(a.n);
  }
  const reports = (await db('reports as r')
    .join('assignments as a', 'a.id', 'r.assignment_id')
    .join('departments as d', 'd.id', 'r.department_id')
    .select('r.receipt_id', 'a.workflow_id', 'r.period_seq', 'r.kind', 'd.code', 'r.review', 'r.submitted_at')) as {
    receipt_id: string;
    workflow_id: string;
    period_seq: number;
    kind: string;
    code: string;
    review: string | null;
    submitted_at: Date;
  }[];
  rows.reports = reports.filter((r) => ours(r.workflow_id)).map((r) => ({ receiptId: r.receipt_id, itemKey: r.workflow_id, seq: r.period_seq, kind: r.kind, department: r.code, review: r.review, submittedAt: new Date(r.submitted_at).getTime() }));
  const periods = (await db('periods as p').join('assignments as a', 'a.id', 'p.assignment_id').select('a.workflow_id', 'p.seq', 'p.status')) as { workflow_id: string; seq: number; status: string }[];
  for (const p of periods) if (ours(p.workflow_id)) rows.periods.set(`${p.workflow_id}|${p.seq}`, p.status);
  return rows;
}

export interface LadderVerdict {
  reminders: Counts;
  rungs: Counts;
  /** A line for each missing, duplicate, late or unexpected event (the first few of each are logged). */
  details: string[];
}

/**
 * The reminders and rungs due in [from, to), as of `now`. An expected event
 * not in PostgreSQL is missing once its allowance (LATE_AFTER_MS after its due
 * instant, or after the recovery from an outage it fell into) has run out,
 * and pending before.
 */
export function checkLadder(
  events: ModelEvent[],
  periods: Map<string, ModelPeriod>,
  rows: EngineRows,
  window: { from: number; to: number },
  now: number,
  outages: readonly { start: number; end: number }[],
): LadderVerdict {
  const verdict: LadderVerdict = { reminders: zero(), rungs: zero(), details: [] };
  const known = new Set<string>();
  const note = (e: ModelEvent, what: string) => verdict.details.push(`${what}: ${e.id} due ${new Date(e.at).toISOString()} (${e.on}, ${e.verdict})`);
  for (const e of events) {
    known.add(e.id);
    if (e.at < window.from || e.at >= window.to) continue;
    const c = e.kind === 'reminder' ? verdict.reminders : verdict.rungs;
    let written: number[] = [];
    let complete = false;
    let duplicate = false;
    let wrong = 0;
    if (e.kind === 'reminder') {
      const list = rows.reminders.get(e.id) ?? [];
      const period = e.subject === 'report' ? periods.get(`${e.itemKey}|${e.seq}`) : undefined;
      const unsure = period !== undefined && (period.unmodelled !== undefined || period.planned.end === Infinity);
      const right = list.filter((r) => r.dueOn === e.dueOn);
      // Where the model is unsure of the due date, a reminder for another one is not held against the engine.
      wrong = unsure ? 0 : list.length - right.length;
      written = right.map((r) => r.createdAt);
      complete = written.length > 0;
      duplicate = list.length > 1;
    } else {
      const p = rows.rungs.get(e.id);
      const first = (rs: Row[] | undefined) => (rs && rs.length ? Math.min(...rs.map((r) => r.createdAt)) : undefined);
      const parts = [first(p?.escalation), first(p?.lead), ...((e.level ?? 1) >= 2 ? [first(p?.secretariat)] : [])];
      complete = parts.every((t) => t !== undefined);
      written = parts.filter((t): t is number => t !== undefined);
      duplicate = !!p && (p.escalation.length > 1 || p.lead.length > 1 || p.secretariat.length > 1 || p.audit > 1);
    }
    if (duplicate) {
      c.duplicate += 1;
      note(e, 'duplicate');
    }
    if (wrong) {
      c.unexpected += wrong;
      note(e, 'written for another due date');
    }
    const recovery = recoveryOf(e.at, outages, LATE_AFTER_MS);
    const doneAt = complete ? Math.max(...written) : undefined;
    if (written.length && Math.min(...written) < e.at - EARLY_MS) {
      c.unexpected += 1;
      note(e, `early (${new Date(Math.min(...written)).toISOString()})`);
    }
    if (doneAt !== undefined && doneAt > recovery + LATE_AFTER_MS) {
      c.late += 1;
      note(e, `late by ${Math.round((doneAt - recovery) / 1000)} s after ${recovery === e.at ? 'its due instant' : `the recovery at ${new Date(recovery).toISOString()}`}`);
    }
    if (e.verdict === 'expected') {
      c.expected += 1;
      if (complete) c.found += 1;
      else if (now > recovery + LATE_AFTER_MS) {
        c.missing += 1;
        note(e, written.length ? 'incomplete (some of its rows are missing)' : 'missing');
      } else c.pending += 1;
    } else if (e.verdict === 'ambiguous') {
      c.uncertain += 1;
    } else if (written.length) {
      c.unexpected += 1;
      note(e, 'should not have happened');
    }
  }
  // Rows no modelled event explains.
  const inWindow = (t: number) => t >= window.from && t < window.to;
  for (const [id, list] of rows.reminders) {
    if (known.has(id)) continue;
    for (const r of list.filter((x) => inWindow(x.createdAt))) {
      verdict.reminders.unexpected += 1;
      verdict.details.push(`no rule explains reminder ${r.key}`);
    }
  }
  for (const [id, p] of rows.rungs) {
    if (known.has(id)) continue;
    const at = Math.min(...[...p.escalation, ...p.lead, ...p.secretariat].map((r) => r.createdAt));
    if (!inWindow(at)) continue;
    verdict.rungs.unexpected += 1;
    verdict.details.push(`no rule explains rung ${id}`);
  }
  for (const s of rows.strays.filter((x) => inWindow(x.createdAt))) {
    verdict.rungs.unexpected += 1;
    verdict.details.push(`no rule explains ${s.what}`);
  }
  return verdict;
}

export interface ReportVerdict {
  /** Every report the drill filed and had answered is there exactly once. */
  filed: Counts;
  /** Every report the drill's secretariat accepted is there once, accepted, with its period. */
  accepted: Counts;
  details: string[];
}

/** Reports whose filing (or acceptance) was answered in [from, to). */
export function checkReports(
  filed: FiledReport[],
  accepts: { itemKey: string; seq: number; end: number }[],
  rows: EngineRows,
  window: { from: number; to: number },
): ReportVerdict {
  const v: ReportVerdict = { filed: zero(), accepted: zero(), details: [] };
  const inWindow = (t: number) => t >= window.from && t < window.to;
  const byReceipt = new Map<string, number>();
  const byTuple = new Map<string, EngineRows['reports']>();
  const tuple = (r: { itemKey: string; seq: number; kind: string; department: string }) => `${r.itemKey}|p${r.seq}|${r.kind}|${r.department}`;
  for (const r of rows.reports) {
    byReceipt.set(r.receiptId, (byReceipt.get(r.receiptId) ?? 0) + 1);
    byTuple.set(tuple(r), [...(byTuple.get(tuple(r)) ?? []), r]);
  }
  const tries = new Map<string, FiledReport[]>();
  for (const f of filed) tries.set(tuple(f), [...(tries.get(tuple(f)) ?? []), f]);

  for (const f of filed) {
    if (f.span.end === Infinity || !f.receiptId || !inWindow(f.span.end)) continue;
    v.filed.expected += 1;
    const n = byReceipt.get(f.receiptId) ?? 0;
    if (n === 0) {
      v.filed.missing += 1;
      v.details.push(`report ${f.receiptId} (${tuple(f)}) was answered but is not recorded`);
    } else v.filed.found += 1;
    const same = byTuple.get(tuple(f)) ?? [];
    if (n > 1 || same.length > (tries.get(tuple(f))?.length ?? 0)) {
      v.filed.duplicate += 1;
      v.details.push(`${tuple(f)} is recorded ${same.length} times for ${tries.get(tuple(f))?.length ?? 0} filed`);
    }
  }
  // Reports nobody filed.
  for (const r of rows.reports) {
    if (!inWindow(r.submittedAt) || tries.has(tuple(r))) continue;
    v.filed.unexpected += 1;
    v.details.push(`report ${r.receiptId} (${tuple(r)}) was never filed by the drill`);
  }
  for (const a of accepts) {
    if (a.end === Infinity || !inWindow(a.end)) continue;
    v.accepted.expected += 1;
    const mine = filed.find((f) => f.itemKey === a.itemKey && f.seq === a.seq && f.kind === 'consolidated' && f.receiptId);
    const all = rows.reports.filter((r) => r.itemKey === a.itemKey && r.seq === a.seq && r.kind === 'consolidated');
    const accepted = all.filter((r) => r.review === 'accepted');
    const ok = accepted.length === 1 && accepted[0]?.receiptId === mine?.receiptId && rows.periods.get(`${a.itemKey}|${a.seq}`) === 'accepted';
    if (ok) v.accepted.found += 1;
    else {
      v.accepted.missing += 1;
      v.details.push(`${a.itemKey} p${a.seq} was accepted, but holds ${accepted.length} accepted of ${all.length} consolidated reports (period ${rows.periods.get(`${a.itemKey}|${a.seq}`)})`);
    }
    if (accepted.length > 1 || all.length > 1) v.accepted.duplicate += 1;
  }
  return v;
}

/**
 * The mirror against each workflow's `state` query. The two are read a moment
 * apart while the ladder goes on, so an item that differs is read again, a few
 * times, before it counts as a mismatch.
 */
export async function checkMirror(db: Db, client: Client, itemKeys: string[], opts: { concurrency?: number; settleMs?: number; progress?: (done: number) => void; signal?: AbortSignal } = {}): Promise<{ checked: number; mismatched: string[] }> {
  const mismatched: string[] = [];
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < itemKeys.length && !opts.signal?.aborted) {
      const key = itemKeys[next++] as string;
      let problems: string[] = [];
      // A deadline that just fell due is mirrored by an activity a moment after the state changed: re-read for up to a minute.
      const until = Date.now() + (opts.settleMs ?? 60_000);
      for (let attempt = 0; attempt === 0 || Date.now() < until; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5_000)));
        try {
          const state = await client.workflow.getHandle(key).query(d.stateQuery);
          problems = await mirrorProblems(db, key, state);
        } catch (err) {
          problems = [`state query failed: ${err instanceof Error ? err.message : String(err)}`];
        }
        if (!problems.length) break;
      }
      if (problems.length) mismatched.push(`${key}: ${problems.join('; ')}`);
      done += 1;
      opts.progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, lane));
  return { checked: itemKeys.length, mismatched };
}
