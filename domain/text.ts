/**
 * The limits of every free-text field, defined once for the API's schemas and
 * the item workflow's validators alike. A value that one side accepts and the
 * other refuses would reach the workflow and fail there, or worse, reach
 * PostgreSQL and fail on every retry (a NUL character does).
 */
export const TEXT_LIMITS = {
  /** A person's or department's name, a code, an actor. */
  name: 200,
  /** A comment, a reason, an instruction. */
  comment: 2000,
  /** A report's progress, problems and next steps; a completion summary. */
  long: 5000,
} as const;

export type TextLimit = keyof typeof TEXT_LIMITS;

/** The longest http(s) link taken: a department's webhook address, and each link a report attaches. */
export const LINK_LIMITS = { webhook: 2000, attachment: 1000 } as const;

// C0 controls other than tab (\t) and newline (\n), DEL, and the C1 controls; also the
// Unicode noncharacters U+FFFE/U+FFFF and lone surrogates, which no text encoding keeps.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What is wrong with a required text value, or undefined when it is fine.
 * The message completes "<field> ...", e.g. "progress must not contain control characters".
 */
export function textProblem(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return 'must be text';
  if (!value.trim()) return 'must not be empty';
  if (value.length > max) return `must be at most ${max} characters`;
  const bad = FORBIDDEN.exec(value);
  if (!bad) return undefined;
  const unit = bad[0].charCodeAt(0);
  // A lone surrogate or a noncharacter is no control character, but it is refused for the same reason.
  const what = unit >= 0xd800 ? 'invalid characters' : 'control characters';
  return `must not contain ${what} (U+${unit.toString(16).toUpperCase().padStart(4, '0')} at position ${bad.index})`;
}
