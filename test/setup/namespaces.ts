/**
 * One Temporal namespace per test file that runs workflows: item workflow ids
 * are business keys (`item:<plan>:<item>`), so two files assigning the same
 * item in parallel must not share a namespace. The dev server creates them all
 * at start (with the search attributes).
 */
export const TEST_NAMESPACE_LABELS = ['roundtrip', 'items', 'history', 'kill', 'api', 'api-board', 'api-writes', 'api-text', 'interleave', 'promises', 'browser', 'fuzz', 'calendar', 'notice-texts', 'schedule', 'supervision-notices', 'loop', 'cities', 'cascade'] as const;
export type TestNamespaceLabel = (typeof TEST_NAMESPACE_LABELS)[number];

export function testNamespace(label: TestNamespaceLabel): string {
  return `test-${label}`;
}
