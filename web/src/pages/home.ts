import type { Me } from '../auth';

export type Role = Me['role'];

const HOME: Record<Role, string> = {
  secretariat: '/board',
  department: '/my-items',
  leadership: '/escalations',
  admin: '/admin/users',
};

/** The page a role lands on after sign-in. */
export function homeOf(role: Role): string {
  return HOME[role];
}
