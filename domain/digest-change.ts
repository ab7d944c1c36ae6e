/**
 * Week on week, per department (减负: each department is measured against its
 * own last week, not ranked against the others). One rule for the digest's
 * notice and the console's digest page.
 */

/** The figures of one lead department that the digest compares with the previous digest. */
export interface DepartmentWeek {
  items: number;
  red: number;
  yellow: number;
  green: number;
  /** Unresolved chases (催办, 督办, 上报领导小组) on the items it leads. */
  openEscalations: number;
  /** On time on the clock in force; null before any report was accepted. */
  onTimeRate: number | null;
}

/** This week minus the previous digest's week; `onTimeRate` in rate units (0.05 = 5 points), null unless both weeks have one. */
export type DepartmentChange = DepartmentWeek;

export function weekOnWeek(now: DepartmentWeek, last: DepartmentWeek): DepartmentChange {
  return {
    items: now.items - last.items,
    red: now.red - last.red,
    yellow: now.yellow - last.yellow,
    green: now.green - last.green,
    openEscalations: now.openEscalations - last.openEscalations,
    onTimeRate: now.onTimeRate === null || last.onTimeRate === null ? null : Math.round((now.onTimeRate - last.onTimeRate) * 1000) / 1000,
  };
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** Green is what remains of the items, so the words leave it out. */
const COUNTED: [Exclude<keyof DepartmentChange, 'onTimeRate'>, string][] = [
  ['items', '事项'],
  ['red', '红灯'],
  ['yellow', '黄灯'],
  ['openEscalations', '催督办'],
];

/** '红灯+1、催督办-2、按期率+5个百分点', or '持平' when nothing moved. */
export function changeWords(change: DepartmentChange): string {
  const parts = COUNTED.filter(([k]) => change[k]).map(([k, word]) => `${word}${signed(change[k])}`);
  // Rounded as the console shows a rate (66.7%), so the points agree with the two rates a reader sees.
  const points = change.onTimeRate === null ? 0 : Math.round(change.onTimeRate * 1000) / 10;
  if (points) parts.push(`按期率${signed(points)}个百分点`);
  return parts.length ? parts.join('、') : '持平';
}

/** 较上周 when the previous digest is the week before's; 较上期 when weeks without a digest (holidays) lie between. */
export function comparedWith(weekOf: string, previousWeekOf: string): string {
  const days = (Date.parse(`${weekOf}T00:00:00Z`) - Date.parse(`${previousWeekOf}T00:00:00Z`)) / 86_400_000;
  return days === 7 ? '较上周' : '较上期';
}
