import { createContext, useContext, type ReactNode } from 'react';
import { api, unwrap } from './api/client';
import type { Answer } from './api/types';
import { useLoad } from './hooks';

/** A directory entry, as GET /departments lists it. */
export type Department = Answer<'/api/v1/departments', 'get'>['departments'][number];

const DepartmentsContext = createContext<{ list: Department[]; byCode: Map<string, Department>; reload: () => void }>({ list: [], byCode: new Map(), reload: () => undefined });

/** The department directory, loaded once after sign-in: every page names departments by their Chinese names. */
export function DepartmentsProvider({ children }: { children: ReactNode }) {
  const { data, reload } = useLoad(async () => (await unwrap(api.GET('/api/v1/departments'))).departments);
  const list = data ?? [];
  return <DepartmentsContext.Provider value={{ list, byCode: new Map(list.map((d) => [d.code, d])), reload }}>{children}</DepartmentsContext.Provider>;
}

export function useDepartments() {
  return useContext(DepartmentsContext);
}

/** A department's short Chinese name (its full name on hover); a dash when unknown, never the code. */
export function DepartmentName({ code }: { code: string | null | undefined }) {
  const { byCode } = useDepartments();
  const d = code ? byCode.get(code) : undefined;
  if (!d) return <span>—</span>;
  return <span title={d.name}>{d.shortName || d.name}</span>;
}

/** The headings a picker groups the directory under, in this order; the secretariat's body is a provincial department like the others. */
const PICKER_GROUPS: { label: string; kinds: string[] }[] = [
  { label: '省直部门', kinds: ['secretariat', 'department'] },
  { label: '中央驻鲁单位及其他', kinds: ['agency'] },
  { label: '设区市', kinds: ['city'] },
  { label: '领导小组', kinds: ['leading-group'] },
];

/**
 * A Select's options for a department picker, grouped by kind (省直部门, 设区市 ...):
 * with the 17 cities, one flat list of fifty-odd names would be hard to scan.
 * `keep` leaves out what the picker must not offer; empty groups are left out.
 */
export function departmentOptions(list: Department[], keep: (d: Department) => boolean = () => true) {
  const option = (d: Department) => ({ value: d.code, label: d.shortName || d.name, title: d.name });
  const known = new Set(PICKER_GROUPS.flatMap((g) => g.kinds));
  const groups = [...PICKER_GROUPS, { label: '其他', kinds: [...new Set(list.map((d) => d.kind))].filter((k) => !known.has(k)) }];
  return groups
    .map((g) => ({ label: g.label, title: g.label, options: list.filter((d) => g.kinds.includes(d.kind) && keep(d)).map(option) }))
    .filter((g) => g.options.length > 0);
}

export function useDepartmentName(): (code: string | null | undefined) => string {
  const { byCode } = useDepartments();
  return (code) => {
    const d = code ? byCode.get(code) : undefined;
    return d ? d.shortName || d.name : '—';
  };
}
