import { recordAudit } from '../../db/audit';
import { roundKey, type DatedEvent } from '../../domain/item/events';
import { chineseDate } from '../../domain/words';
import { auditBy, departmentNames, noNames, type EventContext, type Names, type Notice } from './context';

/**
 * Reminders before a due date (the lead's report, the final deadline, a 批示's
 * feedback) and the co-operating inputs' reminders and their one 催办. A
 * reminder writes no row: its notice, keyed by the day, is its trace.
 */

export async function recordReminder(ctx: EventContext, ev: DatedEvent<'reminder'>): Promise<void> {
  await ctx.tell(ev, notices(ev, noNames));
}

/** The departments still silent are reminded, or chased (audited, and the lead is told). */
export async function recordInputDue(ctx: EventContext, ev: DatedEvent<'input-due'>): Promise<void> {
  if (!ev.departments.length) return;
  const names = await departmentNames(ctx.db, [...ev.departments, ev.lead]);
  if (ev.stage === 'chase') {
    await recordAudit(ctx.db, { ...auditBy(ev), action: 'item.input.chase', payload: { periodSeq: ev.periodSeq, departments: ev.departments, dueOn: ev.dueOn }, key: `input-chase:${inputRound(ev)}` });
  }
  await ctx.tell(ev, notices(ev, names));
}

/** The period of a round the inputs are due in, as their keys name it. */
function inputRound(ev: DatedEvent<'input-due'>): string {
  return `${ev.itemKey}${roundKey(ev)}:p${ev.periodSeq}`;
}

/** When it falls due, counted in working days, as a reminder says it. */
function falls(dueOn: string, offset: number): string {
  return offset === 0 ? `今天(${chineseDate(dueOn)})到期` : `将于${chineseDate(dueOn)}到期,还有${offset}个工作日`;
}

function reminderNotices(ev: DatedEvent<'reminder'>): Notice[] {
  const title = `【提醒】${ev.title}`;
  if (ev.subject === 'instruction') {
    const key = `reminder:${ev.itemKey}${roundKey(ev)}:instruction:${ev.periodSeq}:${ev.dueOn}:d${ev.offset}`;
    const payload = { subject: 'instruction', instructionKey: ev.instructionKey, dueOn: ev.dueOn, offset: ev.offset };
    return [{ to: ev.lead, kind: 'reminder', key, title, body: `第${ev.periodSeq}条领导批示的落实反馈${falls(ev.dueOn, ev.offset)}。`, payload }];
  }
  const final = ev.subject === 'final';
  const what = final ? '本事项完成时限' : `第${ev.periodSeq}期进展报送`;
  const key = final ? `reminder:${ev.itemKey}${roundKey(ev)}:final:${ev.dueOn}:d${ev.offset}` : `reminder:${ev.itemKey}:p${ev.periodSeq}:${ev.dueOn}:d${ev.offset}`;
  const payload = { periodSeq: ev.periodSeq, dueOn: ev.dueOn, offset: ev.offset, ...(final ? { subject: 'final' } : {}) };
  return [{ to: ev.lead, kind: 'reminder', key, title, body: `${what}${falls(ev.dueOn, ev.offset)}。`, payload }];
}

function inputNotices(ev: DatedEvent<'input-due'>, names: Names): Notice[] {
  const round = inputRound(ev);
  if (ev.stage === 'reminder') {
    const payload = { subject: 'input', periodSeq: ev.periodSeq, dueOn: ev.dueOn, offset: ev.offset };
    return ev.departments.map((to) => ({
      to,
      kind: 'reminder',
      key: `input-reminder:${round}:${ev.dueOn}:d${ev.offset}:${to}`,
      title: `【提醒】${ev.title}`,
      body: `第${ev.periodSeq}期配合材料${falls(ev.dueOn, ev.offset)},请报送牵头单位${names(ev.lead)}。`,
      payload,
    }));
  }
  const chased: Notice[] = ev.departments.map((to) => ({
    to,
    kind: 'escalation',
    key: `input-chase:${round}:${to}`,
    title: `【催办】${ev.title}`,
    body: `第${ev.periodSeq}期配合材料应于${chineseDate(ev.dueOn)}前报送牵头单位${names(ev.lead)},至今未报送,请抓紧报送。`,
    payload: { subject: 'input', periodSeq: ev.periodSeq, dueOn: ev.dueOn },
  }));
  const lead: Notice = {
    to: ev.lead,
    kind: 'escalation',
    key: `input-chase:${round}:lead`,
    title: `【配合材料逾期】${ev.title}`,
    body: `配合单位${ev.departments.map(names).join('、')}第${ev.periodSeq}期配合材料逾期未报送,已催办。`,
    payload: { subject: 'input', periodSeq: ev.periodSeq, departments: ev.departments },
  };
  return [...chased, lead];
}

/** A reminder goes to the lead; the inputs' reminder and 催办 to each silent department, and the 催办 to the lead as well. */
export function notices(ev: DatedEvent<'reminder' | 'input-due'>, names: Names): Notice[] {
  return ev.kind === 'reminder' ? reminderNotices(ev) : inputNotices(ev, names);
}
