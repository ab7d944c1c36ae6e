import type { DepartmentChange, DepartmentWeek } from './digest-change';
import type { BoardFigures } from './on-time';

/**
 * The weekly digest for the leading group as it is built, stored (table
 * digests), sent and printed: one shape for the activity that builds it, the
 * workflow that runs it, the API and the PDF.
 */

/** An open item lagging its 序时进度, as the digest lists it. */
export interface BehindItem {
  itemKey: string;
  title: string;
  lead: string;
  planned: number;
  reported: number;
  asOf: string;
}

/** One lead department's line of the digest. The optional parts are absent from digests stored by earlier versions. */
export type DigestDepartment = { code: string; name: string; items: number; red: number; yellow: number; green: number } & BoardFigures & {
    /** Unresolved chases on the items it leads. */
    openEscalations?: number;
    /** Its figures in the previous digest (`previousWeekOf`); absent when there is none, or it led nothing then. */
    lastWeek?: DepartmentWeek;
    /** This week minus `lastWeek` (domain/digest-change.ts). */
    change?: DepartmentChange;
  };

export interface Digest {
  key: string;
  weekOf: string;
  generatedAt: string;
  totals: { items: number; byStatus: Record<string, number>; red: number; yellow: number; green: number };
  byAction: { code: string; title: string; items: number; red: number; yellow: number; green: number; byStatus: Record<string, number> }[];
  /** On time: the workflow's verdicts on both clocks, counted by domain/on-time.ts. */
  byDepartment: DigestDepartment[];
  openEscalations: { itemKey: string; title: string; lead: string; subject: string; periodSeq: number; rung: string; level: number; businessDate: string }[];
  /** 滞后: open items whose reported progress lags their 序时进度; absent from digests stored before it existed. */
  behindSchedule?: BehindItem[];
  /** The week of the digest each department is compared with (usually the week before); absent for the first digest. */
  previousWeekOf?: string;
}
