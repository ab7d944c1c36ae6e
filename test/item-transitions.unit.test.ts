import { apply, newItem, type ItemChange } from '../domain/item/transitions';
import type { FeedbackState, ItemState, PeriodState, ReminderEvent, ReportReceipt, RungEvent } from '../domain/item/state';

/** The item's state changes, one case per change, without a server. */
const period = (over: Partial<PeriodState> = {}): PeriodState => ({
  seq: 1,
  startsOn: '2026-01-01',
  endsOn: '2026-03-31',
  last: false,
  originalDueOn: '2026-04-10',
  dueOn: '2026-04-10',
  dueAt: 1000,
  status: 'open',
  reminders: [{ on: '2026-04-08', at: 800, fired: false, offset: 2 }],
  rungs: [{ on: '2026-04-13', at: 1100, fired: false, rung: 'cuiban', label: '催办', level: 1 }],
  inputs: [],
  consolidatedVersions: 0,
  ...over,
});
const item = (over: Partial<ItemState> = {}): ItemState => ({
  ...newItem({ itemKey: 'item:P:1', lead: 'fgw', cooperating: ['jxt', 'kjt'], assignedAt: 0 }),
  ...over,
});
const receipt = (over: Partial<ReportReceipt> = {}): ReportReceipt => ({ receiptId: 'r1', periodSeq: 1, department: 'fgw', kind: 'consolidated', version: 1, receivedAt: 900, ...over });
const rung = (level: number, fired: boolean): RungEvent => ({ on: '2026-05-01', at: 5000 + level, fired, rung: level === 1 ? 'cuiban' : 'duban', label: '催办', level });
const feedback = (key: string, rungs: RungEvent[] = []): FeedbackState => ({ instructionKey: key, seq: 1, issuedOn: '2026-01-05', withinWorkingDays: 5, dueOn: '2026-01-12', dueAt: 3000, reminders: [], rungs });
const applied = (s: ItemState, change: ItemChange, opts = {}) => {
  apply(s, change, opts);
  return s;
};

describe('assignment and acknowledgement', () => {
  test('assigned: a new item, numbered from period 1; reopened: numbered from its first period', () => {
    const s = applied({} as ItemState, { kind: 'assigned', itemKey: 'k', lead: 'fgw', cooperating: ['jxt'], assignedAt: 5 });
    expect(s).toMatchObject({ itemKey: 'k', status: 'assigned', lead: 'fgw', cooperating: ['jxt'], assignedAt: 5, nextPeriodSeq: 1, acceptedPeriods: 0, escalationLevel: 0, runs: 1 });
    const r = applied({} as ItemState, { kind: 'reopened', itemKey: 'k', lead: 'fgw', cooperating: [], assignedAt: 5, firstPeriodSeq: 4 });
    expect(r.nextPeriodSeq).toBe(4);
  });

  test("the lead's 签收 moves the item on; the level keeps only the final deadline's and instructions' open rungs", () => {
    const s = item({ escalationLevel: 2, final: { dueOn: '2026-12-31', dueAt: 9, reminders: [], rungs: [rung(1, true)] } });
    apply(s, { kind: 'acknowledged', department: 'fgw', at: 7 });
    expect(s.status).toBe('acknowledged');
    expect(s.escalationLevel).toBe(1);
    // A run from before the final deadline was chased drops every level.
    const old = item({ escalationLevel: 2 });
    apply(old, { kind: 'acknowledged', department: 'fgw', at: 7 }, { finalLadder: false });
    expect(old.escalationLevel).toBe(0);
  });

  test("a co-operating department's 签收 is recorded with its time and leaves the status", () => {
    const s = applied(item(), { kind: 'acknowledged', department: 'jxt', role: 'cooperating', at: 42 });
    expect(s.coopAcks).toEqual({ jxt: 42 });
    expect(s.status).toBe('assigned');
  });
});

describe('periods and reports', () => {
  test('period opened, closed and cleared: the next period starts after the accepted one', () => {
    const s = applied(item({ status: 'in_progress' }), { kind: 'period-opened', period: period({ status: 'accepted', last: false }) });
    apply(s, { kind: 'period-closed' });
    expect(s).toMatchObject({ lastPeriodEnd: '2026-03-31', periodsDone: false, nextPeriodSeq: 2 });
    expect(s.period).toBeDefined();
    apply(s, { kind: 'period-cleared' });
    expect(s.period).toBeUndefined();
  });

  test('a consolidated report is filed: version, receipt, submitted, and the item in progress', () => {
    const s = item({ status: 'acknowledged', period: period() });
    apply(s, { kind: 'report-filed', receipt: receipt({ version: 3 }), reserved: false });
    expect(s.period).toMatchObject({ status: 'submitted', consolidatedVersions: 3, consolidated: { receiptId: 'r1' } });
    expect(s.status).toBe('in_progress');
  });

  test("a co-operating input is kept once, whether filed now or reserved before it was recorded (old runs)", () => {
    const input = receipt({ department: 'jxt', kind: 'input' });
    const s = item({ status: 'in_progress', period: period() });
    apply(s, { kind: 'report-filed', receipt: input, reserved: false });
    expect(s.period?.inputs).toEqual([input]);
    const old = item({ status: 'in_progress', period: period() });
    apply(old, { kind: 'report-reserved', receipt: input });
    apply(old, { kind: 'report-filed', receipt: input, reserved: true });
    expect(old.period?.inputs).toEqual([input]);
    expect(old.period?.status).toBe('open');
  });

  test('an old run reserves the consolidated version before recording the report', () => {
    const s = item({ status: 'in_progress', period: period({ consolidatedVersions: 1 }) });
    apply(s, { kind: 'report-reserved', receipt: receipt({ version: 2 }) });
    expect(s.period?.consolidatedVersions).toBe(2);
    expect(s.period?.consolidated).toBeUndefined();
  });

  test('a report lands on the period read before awaiting, when another handler replaced it meanwhile', () => {
    const read = period();
    const s = item({ status: 'in_progress', period: period({ seq: 1, dueOn: '2026-05-01' }) });
    apply(s, { kind: 'report-filed', receipt: receipt(), reserved: false }, { period: read });
    expect(read.status).toBe('submitted');
    expect(s.period?.status).toBe('open');
  });

  test('accepted: the period is accepted and counted; the level falls back to what is open', () => {
    const s = item({ status: 'in_progress', escalationLevel: 2, period: period({ status: 'submitted' }), feedback: [feedback('i1', [rung(1, true)])] });
    apply(s, { kind: 'accepted' });
    expect(s.period?.status).toBe('accepted');
    expect(s.acceptedPeriods).toBe(1);
    expect(s.escalationLevel).toBe(1);
  });

  test('returned: the re-timed period reopens with the receipts it had', () => {
    const was = period({ status: 'submitted', consolidated: receipt(), consolidatedVersions: 1, inputs: [receipt({ kind: 'input', department: 'jxt' })] });
    const s = item({ status: 'in_progress', period: was });
    apply(s, { kind: 'returned', period: period({ dueOn: '2026-04-20', dueAt: 2000 }) });
    expect(s.period).toMatchObject({ status: 'returned', dueOn: '2026-04-20', consolidatedVersions: 1, consolidated: was.consolidated, inputs: was.inputs });
  });
});

describe('extensions', () => {
  const request = { extensionId: 'extension:k:p1:u', periodSeq: 1, requestedDueOn: '2026-04-30', reason: '等数据', requestedBy: 'li' };

  test('asked: the request waits for a decision', () => {
    expect(applied(item({ period: period() }), { kind: 'extension-requested', request }).pendingExtension).toEqual(request);
  });

  test('approved: the re-timed period keeps its status and receipts and records the extension', () => {
    const s = item({ period: period({ status: 'returned', consolidatedVersions: 2 }), pendingExtension: request });
    apply(s, { kind: 'extension-decided', approve: true, period: period({ dueOn: '2026-04-30', dueAt: 3000 }), dueOn: '2026-04-30' });
    expect(s.period).toMatchObject({ dueOn: '2026-04-30', extendedDueOn: '2026-04-30', status: 'returned', consolidatedVersions: 2 });
    expect(s.pendingExtension).toBeUndefined();
  });

  test('refused: the period stays as it was', () => {
    const p = period();
    const s = applied(item({ period: p, pendingExtension: request }), { kind: 'extension-decided', approve: false });
    expect(s.period).toBe(p);
    expect(s.pendingExtension).toBeUndefined();
  });
});

describe('the parties, 批示 and 落实反馈', () => {
  test('reassigned: the new lead leaves the co-operating departments', () => {
    const s = applied(item(), { kind: 'reassigned', to: 'jxt' });
    expect(s.lead).toBe('jxt');
    expect(s.cooperating).toEqual(['kjt']);
  });

  test('instructed: counted, and its 落实反馈 awaited when it asks for one', () => {
    const s = applied(item(), { kind: 'instructed' });
    expect(s.instructions).toBe(1);
    expect(s.feedback).toBeUndefined();
    apply(s, { kind: 'instructed', feedback: feedback('i2') });
    expect(s.instructions).toBe(2);
    expect(s.feedback?.map((f) => f.instructionKey)).toEqual(['i2']);
  });

  test("feedback filed: the instruction's rungs are answered", () => {
    const s = item({ status: 'in_progress', escalationLevel: 2, feedback: [feedback('i1', [rung(2, true)]), feedback('i2', [rung(1, true)])] });
    apply(s, { kind: 'feedback-filed', instructionKey: 'i1' });
    expect(s.feedback?.map((f) => f.instructionKey)).toEqual(['i2']);
    expect(s.escalationLevel).toBe(1);
  });
});

describe('the ladder', () => {
  test('a rung fired raises the level and is marked; a reminder is marked only', () => {
    const p = period();
    const [reminder] = p.reminders as [ReminderEvent];
    const [first] = p.rungs as [RungEvent];
    const s = item({ status: 'in_progress', period: p });
    apply(s, { kind: 'fired', due: { kind: 'reminder', subject: 'report', event: { ...reminder } } });
    expect(reminder.fired).toBe(true);
    expect(s.escalationLevel).toBe(0);
    apply(s, { kind: 'fired', due: { kind: 'rung', subject: 'report', event: first } });
    expect(first.fired).toBe(true);
    expect(s.escalationLevel).toBe(1);
  });

  test("a co-operating input's 催办 is marked on the period as it is now", () => {
    const chase = { on: '2026-04-09', at: 900, fired: false };
    const s = item({ status: 'in_progress', period: period({ coop: { dueOn: '2026-04-08', dueAt: 850, reminders: [], chase: { ...chase } } }) });
    apply(s, { kind: 'fired', due: { kind: 'chase', subject: 'input', event: chase } });
    expect(s.period?.coop?.chase.fired).toBe(true);
  });

  test('planned deadlines are kept, or none when the calendar was not loaded', () => {
    const ack = { dueOn: '2026-01-08', dueAt: 10, rungs: [] };
    expect(applied(item(), { kind: 'acknowledgement-planned', ack }).ack).toBe(ack);
    expect(applied(item({ ack }), { kind: 'acknowledgement-planned' }).ack).toBeUndefined();
    const final = { dueOn: '2026-12-31', dueAt: 99, reminders: [], rungs: [] };
    expect(applied(item(), { kind: 'final-planned', final }).final).toBe(final);
  });

  test('blocked and unblocked', () => {
    const s = applied(item(), { kind: 'blocked', reason: 'calendar for 2027 not loaded' });
    expect(s.blocked).toBe('calendar for 2027 not loaded');
    expect(applied(s, { kind: 'unblocked' }).blocked).toBeUndefined();
  });

  test('retimed: the period keeps status and receipts; an old run keeps what the activity computed, with the status now', () => {
    const was = period({ status: 'returned', consolidatedVersions: 2, consolidated: receipt() });
    const next = period({ dueOn: '2026-04-14', dueAt: 1400, consolidatedVersions: 0 });
    const s = applied(item({ period: was }), { kind: 'retimed', period: next, receipts: 'kept' });
    expect(s.period).toMatchObject({ dueOn: '2026-04-14', status: 'returned', consolidatedVersions: 2, consolidated: was.consolidated });
    const old = applied(item({ period: was }), { kind: 'retimed', period: next, receipts: 'as-computed' }, { period: was });
    expect(old.period).toMatchObject({ dueOn: '2026-04-14', status: 'returned', consolidatedVersions: 0 });
  });

  test("retimed: an instruction's 落实反馈 and the final deadline are replaced", () => {
    const s = item({ feedback: [feedback('i1'), feedback('i2')], final: { dueOn: '2026-12-30', dueAt: 1, reminders: [], rungs: [] } });
    apply(s, { kind: 'retimed', feedback: { ...feedback('i2'), dueOn: '2026-01-13' } });
    apply(s, { kind: 'retimed', final: { dueOn: '2026-12-31', dueAt: 2, reminders: [], rungs: [] } });
    expect(s.feedback?.map((f) => f.dueOn)).toEqual(['2026-01-12', '2026-01-13']);
    expect(s.final?.dueOn).toBe('2026-12-31');
  });
});

describe('completion and cancellation', () => {
  test('completion asked: the item waits, remembering where it was', () => {
    const s = applied(item({ status: 'in_progress' }), { kind: 'completion-requested', summary: '已完成', requestedBy: 'li' });
    expect(s.status).toBe('completion_requested');
    expect(s.completionRequest).toEqual({ summary: '已完成', requestedBy: 'li', previousStatus: 'in_progress' });
  });

  test('completion approved: completed with its grade, the level cleared, an open period closed', () => {
    const s = item({ status: 'completion_requested', escalationLevel: 2, period: period(), completionRequest: { summary: 'x', requestedBy: 'li', previousStatus: 'in_progress' } });
    apply(s, { kind: 'completion-decided', approve: true, grade: 'good' });
    expect(s).toMatchObject({ status: 'completed', grade: 'good', escalationLevel: 0 });
    expect(s.period?.status).toBe('closed');
    expect(s.completionRequest).toBeUndefined();
    // Before the final deadline was chased, approval left the level as it was.
    const old = item({ status: 'completion_requested', escalationLevel: 2 });
    apply(old, { kind: 'completion-decided', approve: true, grade: 'pass' }, { finalLadder: false });
    expect(old.escalationLevel).toBe(2);
  });

  test('completion refused: back to where it was; an accepted period stays accepted on approval', () => {
    const s = item({ status: 'completion_requested', completionRequest: { summary: 'x', requestedBy: 'li', previousStatus: 'acknowledged' } });
    expect(applied(s, { kind: 'completion-decided', approve: false }).status).toBe('acknowledged');
    const a = item({ status: 'completion_requested', period: period({ status: 'accepted' }) });
    expect(applied(a, { kind: 'completion-decided', approve: true, grade: 'excellent' }).period?.status).toBe('accepted');
  });

  test('cancelled: the level cleared and an open period closed', () => {
    const s = applied(item({ status: 'in_progress', escalationLevel: 3, period: period({ status: 'returned' }) }), { kind: 'cancelled' });
    expect(s).toMatchObject({ status: 'cancelled', escalationLevel: 0 });
    expect(s.period?.status).toBe('closed');
  });
});

describe('cascade and city reports', () => {
  const share = (city: string) => ({ city, workflowId: `item:P:1:${city}`, weight: 1 });
  const report = (city: string, receivedAt: number) => ({ city, periodSeq: 1, percentDone: 40, receiptId: `r-${city}`, receivedAt });

  test('cascaded: the shares are kept in the order given', () => {
    const s = applied(item(), { kind: 'cascaded', shares: [share('hz')] });
    apply(s, { kind: 'cascaded', shares: [share('nb'), share('wz')] });
    expect(s.shares?.map((x) => x.city)).toEqual(['hz', 'nb', 'wz']);
  });

  test("a city's report is kept unless an older one arrives late or the city has no share", () => {
    const s = item({ shares: [share('hz')] });
    expect(apply(s, { kind: 'city-reported', report: report('hz', 10) })).toBe(true);
    expect(apply(s, { kind: 'city-reported', report: report('hz', 5) })).toBe(false);
    expect(apply(s, { kind: 'city-reported', report: report('nb', 20) })).toBe(false);
    expect(s.shares?.[0]?.latest?.receivedAt).toBe(10);
  });
});

test('answers are remembered, the last 20 only', () => {
  const s = item();
  for (let i = 0; i < 25; i++) apply(s, { kind: 'answered', id: `u${i}`, answer: i });
  expect(s.answered).toHaveLength(20);
  expect(s.answered?.[0]).toEqual({ id: 'u5', answer: 5 });
});
