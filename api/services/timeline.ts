import { chaseWords } from '../../domain/chase-words';
import { RUNG_LABELS } from '../../domain/item/state';
import { blockedCause, chineseDate, GRADE_WORDS, wordFor } from '../../domain/words';
import type { Db } from '../../db/connection';
import { departmentNames, itemAudits, itemEscalations, type AuditRow } from '../../db/timeline';

/** One line of an item's timeline, in the users' words: never a code or an English word. */
export interface TimelineEvent {
  at: Date;
  actor: string;
  kind: string;
  text: string;
}

type Payload = Record<string, unknown> & { receipt?: { periodSeq?: number; kind?: string; department?: string; version?: number } };
type Name = (code: unknown) => string;

/** A date as the console writes dates elsewhere (2016年4月5日); nothing recorded gives nothing. */
function date(d: unknown): string {
  return typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d) ? chineseDate(d) : '';
}

function names(list: unknown, name: Name): string {
  return Array.isArray(list) ? list.map(name).join('、') : '';
}

function assigned(word: string, p: Payload, name: Name): string {
  const coop = Array.isArray(p.cooperating) && p.cooperating.length ? `,配合单位${names(p.cooperating, name)}` : '';
  return `${word},牵头单位${name(p.lead)}${coop}`;
}

function reported(p: Payload, name: Name): string {
  const r = p.receipt;
  if (r?.kind === 'input') return `${name(r.department)}报送第${r.periodSeq}期配合材料`;
  return `报送第${r?.periodSeq}期进展${r?.version && r.version > 1 ? `(第${r.version}版)` : ''}`;
}

/**
 * The line of every action an item's audit rows carry (activities/item-events
 * and the assignment); its chases (item.escalate) are read from their own
 * table. Department codes are shown by their names, dates in Chinese.
 */
const AUDIT_LINES: Record<string, (p: Payload, name: Name) => string> = {
  'item.assign': (p, name) => assigned('交办', p, name),
  'item.reopen': (p, name) => `${assigned('重新交办', p, name)}${p.reason ? `。理由:${String(p.reason)}` : ''}`,
  'item.acknowledge': (p, name) => (p.role === 'cooperating' ? `配合单位${name(p.department)}签收` : '签收'),
  'item.report': reported,
  'item.review.accept': (p) => `第${p.periodSeq}期进展审核通过`,
  'item.review.return': (p) => `第${p.periodSeq}期进展退回${date(p.newDueOn) ? `,${date(p.newDueOn)}前重报` : ''}`,
  'item.extension.request': (p) => `申请延期至${date(p.requestedDueOn)}`,
  'item.extension.decide': (p) => (p.approve ? `同意延期至${date(p.dueOn)}` : '不同意延期'),
  'item.reassign': (p, name) => `牵头单位由${name(p.from)}调整为${name(p.to)}`,
  'item.instruct': (p) => `领导批示:${String(p.text)}${date(p.feedbackDueOn) ? `(${date(p.feedbackDueOn)}前反馈落实情况)` : ''}`,
  'item.feedback': (p) => `第${p.seq}条批示落实反馈${p.late ? '(逾期)' : ''}:${String(p.text)}`,
  'item.input.chase': (p, name) => `催办:${chaseWords({ subject: 'input', periodSeq: Number(p.periodSeq), party: names(p.departments, name) })}`,
  'item.completion.request': () => '申请办结',
  'item.completion.decide': (p) => (p.approve ? `同意办结${p.grade ? `(评定为${wordFor(GRADE_WORDS, String(p.grade))})` : ''}` : '不同意办结'),
  'item.cancel': (p) => `撤销:${String(p.reason)}`,
  'item.cascade': (p, name) => `分解下达至${names(p.started, name)}`,
  'item.blocked': (p) => `暂停:无法计算报送期限,${blockedCause(String(p.reason))}`,
};

/** The Chinese line for one audited action; an action with no line of its own is named as a record, never by its code. */
export function auditText(action: string, p: Payload, name: Name): string {
  return Object.hasOwn(AUDIT_LINES, action) ? AUDIT_LINES[action]!(p, name) : '其他操作记录';
}

/** The lead in charge at each moment, from the assignment, reopening and reassignment rows: the party a chase fired then was chasing. */
function leadAt(audits: AuditRow[]): (at: Date) => string | undefined {
  const changes: { at: number; lead: string }[] = [];
  for (const a of audits) {
    const p = a.payload as Payload;
    if ((a.action === 'item.assign' || a.action === 'item.reopen') && typeof p.lead === 'string') changes.push({ at: a.at.getTime(), lead: p.lead });
    if (a.action === 'item.reassign' && typeof p.to === 'string') changes.push({ at: a.at.getTime(), lead: p.to });
  }
  return (at) => changes.filter((c) => c.at <= at.getTime()).at(-1)?.lead;
}

/** Audit events and escalations of one item, oldest first. Escalations come from their own table (with when they were lifted), so their audit rows are skipped. */
export async function timeline(db: Db, itemKey: string): Promise<TimelineEvent[]> {
  const codes = await departmentNames(db);
  const name: Name = (c) => codes.get(String(c)) ?? '—';
  const audits = await itemAudits(db, itemKey);
  const escalations = await itemEscalations(db, itemKey);
  const lead = leadAt(audits);
  const events: TimelineEvent[] = audits.map((a) => ({ at: a.at, actor: a.actor, kind: a.action.replace(/^item\./, ''), text: auditText(a.action, a.payload as Payload, name) }));
  for (const e of escalations) {
    const label = wordFor(RUNG_LABELS, e.rung);
    const chased = lead(e.fired_at);
    const what = chaseWords({ subject: e.subject, periodSeq: e.period_seq, ...(chased ? { party: name(chased) } : {}) });
    events.push({ at: e.fired_at, actor: 'system', kind: 'escalation', text: `${label}:${what}` });
    if (e.resolved_at) events.push({ at: e.resolved_at, actor: 'system', kind: 'escalation.resolved', text: `解除${label}:${what}` });
  }
  // A stable sort keeps the audit order of events recorded in the same instant.
  return events.sort((a, b) => a.at.getTime() - b.at.getTime());
}
