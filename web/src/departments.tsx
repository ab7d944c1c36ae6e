import { createContext, useContext, type ReactNode } from 'react';
import { api, unwrap } from './api/client';
import { useLoad } from './hooks';

export interface Department {
  code: string;
  name: string;
  shortName: string | null;
  kind: string;
  webhook: boolean;
  email: boolean;
}

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

export function useDepartmentName(): (code: string | null | undefined) => string {
  const { byCode } = useDepartments();
  return (code) => {
    const d = code ? byCode.get(code) : undefined;
    return d ? d.shortName || d.name : '—';
  };
}
