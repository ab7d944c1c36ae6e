import type { ReactNode } from 'react';
import type { Role } from './home';

/**
 * Every page of the console, declared once: its path, its Chinese title (the
 * menu entry), who may open it, and whether the menu lists it. The router and
 * the menu are both built from this list.
 */
export interface PageDef {
  path: string;
  title: string;
  roles: Role[] | 'all';
  menu: boolean;
  element: ReactNode;
}

export const pages: PageDef[] = [];
