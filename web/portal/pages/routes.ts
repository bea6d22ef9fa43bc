// The portal's pages: the path pattern, the page, its place in the navigation and the permission it needs (the
// navigation shows only what the user's role in the current account allows; the APIs refuse the rest anyway).
import type { FunctionComponent } from 'preact';
import type { Permission } from '../lib/session.tsx';

export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface PageDef {
  pattern: string;
  component: FunctionComponent<PageProps>;
  permission: Permission;
  /** Shown in the navigation (the first page of a section). */
  nav?: string;
}

export const PAGES: PageDef[] = [];
