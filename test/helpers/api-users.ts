/** The callers the API tests sign in as: every role, and departments that are lead, co-operating or neither on A01-1. */
export const PASSWORD = 'correct horse battery';

export type Who = 'anonymous' | 'admin' | 'secretariat' | 'leadership' | 'lead-dept' | 'coop-dept' | 'other-dept';
export const WHO: Who[] = ['anonymous', 'admin', 'secretariat', 'leadership', 'lead-dept', 'coop-dept', 'other-dept'];

export const USERS: Record<Exclude<Who, 'anonymous'>, { username: string; role: 'admin' | 'secretariat' | 'leadership' | 'department'; department?: string }> = {
  admin: { username: 'admin1', role: 'admin' },
  secretariat: { username: 'sec1', role: 'secretariat' },
  leadership: { username: 'leader1', role: 'leadership' },
  'lead-dept': { username: 'eic1', role: 'department', department: 'eic' },
  'coop-dept': { username: 'sti1', role: 'department', department: 'sti' },
  'other-dept': { username: 'agri1', role: 'department', department: 'agri' },
};
