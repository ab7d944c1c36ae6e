import { text } from '../api/schemas';
import { arrangementFileSchema } from '../db/calendar/store';
import { parsePlanText, PlanValidationError } from '../db/catalog/plan-file';
import { boundedText } from '../db/catalog/plan-schema';
import { TEXT_LIMITS, textProblem } from '../domain/text';
import { defaultPlanData } from './helpers/plans';

describe('textProblem: the one rule for free text, in the API and in the workflow', () => {
  test.each([
    ['NUL', 'a\u0000b', 'U+0000 at position 1'],
    ['U+0001', '\u0001abc', 'U+0001 at position 0'],
    ['escape', 'red \u001b[31m', 'U+001B at position 4'],
    ['carriage return', '第一行\r\n第二行', 'U+000D at position 3'],
    ['vertical tab', 'a\u000bb', 'U+000B at position 1'],
    ['DEL', 'abc\u007f', 'U+007F at position 3'],
    ['C1 next line', 'a\u0085b', 'U+0085 at position 1'],
    ['C1 U+009F', 'a\u009fb', 'U+009F at position 1'],
  ])('refuses %s', (_name, value, where) => {
    expect(textProblem(value, 100)).toBe(`must not contain control characters (${where})`);
  });

  test.each([
    ['a lone high surrogate', 'ab\ud800', 'U+D800 at position 2'],
    ['a lone low surrogate', '\udc00ab', 'U+DC00 at position 0'],
    ['a reversed pair', 'a\udc00\ud800', 'U+DC00 at position 1'],
    ['a noncharacter', 'a\uffffb', 'U+FFFF at position 1'],
  ])('refuses %s as an invalid character', (_name, value, where) => {
    expect(textProblem(value, 100)).toBe(`must not contain invalid characters (${where})`);
  });

  test.each([
    ['tab and newline', '进展:\n\t1. 平台上线\n\t2. 数据共享'],
    ['Chinese text', '山东省“互联网+”行动计划,完成率80%。'],
    ['emoji (a surrogate pair)', '按期完成 ✅🚀'],
    ['non-breaking and ideographic spaces', 'a\u00a0b\u3000c'],
  ])('accepts %s', (_name, value) => {
    expect(textProblem(value, 100)).toBeUndefined();
  });

  test('length: at the limit is fine, one more is refused; empty and blank are refused; a non-string is not text', () => {
    expect(textProblem('x'.repeat(TEXT_LIMITS.comment), TEXT_LIMITS.comment)).toBeUndefined();
    expect(textProblem('x'.repeat(TEXT_LIMITS.comment + 1), TEXT_LIMITS.comment)).toBe(`must be at most ${TEXT_LIMITS.comment} characters`);
    expect(textProblem('', 10)).toBe('must not be empty');
    expect(textProblem(' \n\t ', 10)).toBe('must not be empty');
    expect(textProblem(42, 10)).toBe('must be text');
    expect(textProblem(undefined, 10)).toBe('must be text');
  });

  test('the limits: names, comments and long text, as issue 7 sets them', () => {
    expect(TEXT_LIMITS).toEqual({ name: 200, comment: 2000, long: 5000 });
  });
});

describe('the zod schemas built on it', () => {
  const issues = (r: { success: boolean; error?: { issues: { message: string }[] } }) => r.error?.issues.map((i) => i.message);

  test('text(limit) trims, then applies the rule with one message per problem', () => {
    expect(text('comment').parse('  同意。\n  ')).toBe('同意。');
    expect(issues(text('comment').safeParse('  '))).toEqual(['must not be empty']);
    expect(issues(text('comment').safeParse('a\u0000b'))).toEqual(['must not contain control characters (U+0000 at position 1)']);
    expect(issues(text('name').safeParse('\u0000'.repeat(201)))).toEqual(['must be at most 200 characters']);
    expect(text('long').safeParse('x'.repeat(5000)).success).toBe(true);
    expect(issues(text('long').safeParse('x'.repeat(5001)))).toEqual(['must be at most 5000 characters']);
  });

  test('untrimmed text (passwords, secrets) is kept as typed, with a minimum length', () => {
    const pw = boundedText(200, { trim: false, min: 10 });
    expect(pw.parse(' correct horse ')).toBe(' correct horse ');
    expect(issues(pw.safeParse('short'))).toEqual(['must be at least 10 characters']);
    expect(issues(pw.safeParse('correct\u0000horse'))).toEqual(['must not contain control characters (U+0000 at position 7)']);
  });
});

describe('data files: a plan or a calendar with control characters is refused naming the field, before the database sees it', () => {
  test('a plan file', () => {
    const plan = defaultPlanData();
    plan.actions[0]!.tasks[0]!.title = '建设\u0000平台';
    plan.departments[0]!.name = '\u001b[31m省经济和信息化委';
    // JSON is YAML: the escapes \u0000 and \u001b reach the schema as the characters themselves.
    let refused: unknown;
    try {
      parsePlanText(JSON.stringify(plan), 'bad.yaml');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(PlanValidationError);
    expect((refused as PlanValidationError).issues).toEqual([
      { path: 'departments[0].name', message: 'must not contain control characters (U+001B at position 0)' },
      { path: 'actions[0].tasks[0].title', message: 'must not contain control characters (U+0000 at position 2)' },
    ]);
  });

  test('a calendar arrangement', () => {
    const parsed = arrangementFileSchema.safeParse({ year: 2027, days: [{ date: '2027-01-01', working: false, name: '元旦\u0007' }] });
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['days.0.name', 'must not contain control characters (U+0007 at position 2)']]);
  });
});
