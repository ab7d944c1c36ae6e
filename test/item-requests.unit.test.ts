import { allowed, check, isHttpLink, isPercent, isWeight, refusal, REQUEST_LIMITS, type RequestContext } from '../domain/item/requests';
import type { ItemState, PeriodState } from '../domain/item/state';
import { newItem } from '../domain/item/transitions';

/** The item's request rules without a server: the request alone, the request against the state, and which refusal comes first. */
const ctx: RequestContext = { loop: true, share: false };
const period = (over: Partial<PeriodState> = {}): PeriodState => ({
  seq: 2,
  startsOn: '2026-04-01',
  endsOn: '2026-06-30',
  last: false,
  originalDueOn: '2026-07-10',
  dueOn: '2026-07-10',
  dueAt: 1,
  status: 'open',
  reminders: [],
  rungs: [],
  inputs: [],
  consolidatedVersions: 0,
  ...over,
});
const item = (over: Partial<ItemState> = {}): ItemState => ({ ...newItem({ itemKey: 'k', lead: 'fgw', cooperating: ['jxt'], assignedAt: 0 }), ...over });
const report = { actor: 'li', department: 'fgw', periodSeq: 2, progress: '推进中', percentDone: 40 };

describe('check: the request alone', () => {
  test('a good report passes; each field is named when it is wrong', () => {
    expect(check('submitReport', report)).toBeUndefined();
    expect(check('submitReport', { ...report, actor: '' })).toBe('actor must not be empty');
    expect(check('submitReport', { ...report, progress: 'x'.repeat(5001) })).toBe('progress must be at most 5000 characters');
    expect(check('submitReport', { ...report, percentDone: 100.5 })).toBe('percentDone must be a whole number from 0 to 100');
    expect(check('submitReport', { ...report, problems: 'a\u0000b' })).toBe('problems must not contain control characters (U+0000 at position 1)');
  });

  test('attachments: at most 20 http(s) links', () => {
    expect(check('submitReport', { ...report, attachments: ['https://x.cn/a'] })).toBeUndefined();
    expect(check('submitReport', { ...report, attachments: Array(21).fill('https://x.cn') })).toBe('attachments must be a list of at most 20 links');
    expect(check('submitReport', { ...report, attachments: ['https://x.cn', 'ftp://x.cn'] })).toBe('attachments[1] must be an http(s) link');
  });

  test('indicators: named, with a finite value, at most 50', () => {
    expect(check('submitReport', { ...report, indicators: [{ name: '产值', value: 3 }] })).toBeUndefined();
    expect(check('submitReport', { ...report, indicators: [{ name: '', value: 3 }] })).toBe('indicators[0].name must not be empty');
    expect(check('submitReport', { ...report, indicators: [{ name: '产值', value: Infinity }] })).toBe('indicators[0].value must be a number');
    expect(check('submitReport', { ...report, indicators: Array(51).fill({ name: 'a', value: 1 }) })).toBe('indicators must be a list of at most 50 values');
  });

  test('a review that returns needs a date; a decision is accept or return', () => {
    expect(check('reviewReport', { actor: 'li', decision: 'return' })).toBe('newDueOn must be a date as YYYY-MM-DD');
    expect(check('reviewReport', { actor: 'li', decision: 'maybe' as 'accept' })).toBe('decision must be accept or return');
    expect(check('reviewReport', { actor: 'li', decision: 'accept', comment: 'ok' })).toBeUndefined();
  });

  test('approving completion needs a grade from the one list', () => {
    expect(check('decideCompletion', { actor: 'li', approve: true, grade: 'great' as 'good' })).toBe('grade must be one of excellent, good, pass, fail');
    expect(check('decideCompletion', { actor: 'li', approve: 'yes' as unknown as boolean })).toBe('approve must be true or false');
    expect(check('decideCompletion', { actor: 'li', approve: false })).toBeUndefined();
  });

  test('cascade: 1 to 50 cities, each once, with a positive weight', () => {
    expect(check('cascade', { actor: 'li', cities: [] })).toBe('cities must list 1 to 50 cities');
    expect(check('cascade', { actor: 'li', cities: [{ code: 'hz' }, { code: 'hz' }] })).toBe('cities[1].code hz is listed twice');
    expect(check('cascade', { actor: 'li', cities: [{ code: 'hz', weight: 0 }] })).toBe('cities[0].weight must be a positive number');
    expect(check('cascade', { actor: 'li', cities: [{ code: 'hz', weight: 2 }, { code: 'nb' }] })).toBeUndefined();
  });

  test('the shared predicates hold the limits the API uses', () => {
    expect([isPercent(0), isPercent(100), isPercent(101), isPercent(-1), isPercent('5')]).toEqual([true, true, false, false, false]);
    expect([isHttpLink('http://a.cn'), isHttpLink('https://a.cn/ b'), isHttpLink(`https://${'a'.repeat(REQUEST_LIMITS.link + 1)}`)]).toEqual([true, false, false]);
    expect([isWeight(1000), isWeight(1000.1), isWeight(NaN)]).toEqual([true, false, false]);
  });
});

describe('allowed: the request against the state', () => {
  test('a report needs an item in progress, its open period and a party to the item', () => {
    expect(allowed(item({ status: 'in_progress', period: period() }), 'submitReport', report, ctx)).toBeUndefined();
    expect(allowed(item({ status: 'assigned' }), 'submitReport', report, ctx)).toBe('the item is assigned, not in progress');
    expect(allowed(item({ status: 'in_progress' }), 'submitReport', report, ctx)).toBe('there is no open reporting period');
    expect(allowed(item({ status: 'in_progress', period: period({ status: 'accepted' }) }), 'submitReport', report, ctx)).toBe('period 2 is accepted');
    expect(allowed(item({ status: 'in_progress', period: period({ seq: 3 }) }), 'submitReport', report, ctx)).toBe('periodSeq 2 is not the open period (3)');
    expect(allowed(item({ status: 'in_progress', period: period() }), 'submitReport', { ...report, department: 'x' }, ctx)).toBe('department x is neither lead nor co-operating on this item');
  });

  test('acknowledgement: the lead once, a co-operating department once (with the supervision loop)', () => {
    const ack = (department: string) => ({ actor: 'li', department });
    expect(allowed(item(), 'acknowledge', ack('fgw'), ctx)).toBeUndefined();
    expect(allowed(item({ status: 'acknowledged' }), 'acknowledge', ack('fgw'), ctx)).toBe('the item is acknowledged; only an assigned item is acknowledged');
    expect(allowed(item(), 'acknowledge', ack('kjt'), ctx)).toBe('department kjt is not the lead department of this item');
    expect(allowed(item({ coopAcks: { jxt: 1 } }), 'acknowledge', ack('jxt'), ctx)).toBe('department jxt has already acknowledged this item');
    expect(allowed(item({ status: 'cancelled' }), 'acknowledge', ack('jxt'), ctx)).toBe('the item is cancelled');
    // Before the supervision loop a co-operating department was refused as not the lead.
    expect(allowed(item(), 'acknowledge', ack('jxt'), { ...ctx, loop: false })).toBe('department jxt is not the lead department of this item');
  });

  test('extension: one at a time, to a later date, never on an accepted period', () => {
    const req = { actor: 'li', department: 'fgw', requestedDueOn: '2026-07-20', reason: '等数据' };
    const s = item({ status: 'in_progress', period: period() });
    expect(allowed(s, 'requestExtension', req, ctx)).toBeUndefined();
    expect(allowed(s, 'requestExtension', { ...req, requestedDueOn: '2026-07-10' }, ctx)).toBe('requestedDueOn must be after the current due date 2026-07-10');
    const pending = { extensionId: 'e1', periodSeq: 2, requestedDueOn: '2026-07-20', reason: 'x', requestedBy: 'li' };
    expect(allowed({ ...s, pendingExtension: pending }, 'requestExtension', req, ctx)).toBe('an extension request is already waiting for a decision');
    expect(allowed(s, 'decideExtension', { actor: 'a', extensionId: 'e1', approve: true }, ctx)).toBe('there is no extension request waiting for a decision');
    expect(allowed({ ...s, pendingExtension: pending }, 'decideExtension', { actor: 'a', extensionId: 'e2', approve: true }, ctx)).toBe('extensionId e2 is not the pending request');
  });

  test('the other actions', () => {
    expect(allowed(item({ status: 'completed' }), 'cancel', { actor: 'a', reason: 'x' }, ctx)).toBe('the item is completed');
    expect(allowed(item(), 'reassignLead', { actor: 'a', newLead: 'fgw', reason: 'x' }, ctx)).toBe('fgw is already the lead department');
    expect(allowed(item(), 'fileFeedback', { actor: 'a', department: 'fgw', instructionKey: 'i1', text: 'x' }, ctx)).toBe('instruction i1 awaits no 落实反馈 on this item');
    expect(allowed(item({ status: 'in_progress' }), 'decideCompletion', { actor: 'a', approve: true, grade: 'good' }, ctx)).toBe(
      'the item is in_progress; there is no completion request to decide',
    );
    expect(allowed(item(), 'cascade', { actor: 'a', cities: [{ code: 'hz' }] }, { ...ctx, loop: false })).toBe(
      'this item was assigned before items could be cascaded to cities; reopen it to cascade',
    );
    expect(allowed(item(), 'cascade', { actor: 'a', cities: [{ code: 'hz' }] }, { ...ctx, share: true })).toBe("a city's share is not cascaded further");
    expect(allowed(item(), 'cascade', { actor: 'a', cities: [{ code: 'hz' }, { code: 'jxt' }] }, ctx)).toBe('cities[1].code jxt is already a party to this item');
  });
});

describe('refusal: the first problem, in the order the workflow has always told it', () => {
  test('the state is told before a bad field listed after it', () => {
    expect(refusal(item({ status: 'assigned' }), 'submitReport', { ...report, progress: '' }, ctx)).toBe('the item is assigned, not in progress');
    expect(refusal(item({ status: 'in_progress', period: period() }), 'submitReport', { ...report, progress: '' }, ctx)).toBe('progress must not be empty');
    // The actor comes first of all.
    expect(refusal(item({ status: 'assigned' }), 'submitReport', { ...report, actor: '' }, ctx)).toBe('actor must not be empty');
  });

  test("a cascade's cities are told entry by entry, a party before a later city's bad weight", () => {
    const req = { actor: 'a', cities: [{ code: 'jxt' }, { code: 'hz', weight: -1 }] };
    expect(refusal(item(), 'cascade', req, ctx)).toBe('cities[0].code jxt is already a party to this item');
    expect(check('cascade', req)).toBe('cities[1].weight must be a positive number');
  });

  test('a request with no problem is no refusal', () => {
    expect(refusal(item({ status: 'in_progress', period: period() }), 'submitReport', report, ctx)).toBeUndefined();
  });
});
