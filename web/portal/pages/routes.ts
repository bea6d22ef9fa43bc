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

import { CALLS_PAGES } from './calls.routes.ts';
import { NUMBERS_PAGES } from './numbers.routes.ts';
import { ADMIN_PAGES } from './admin.routes.ts';
import { CALL_CENTRE_PAGES } from './call-centre.routes.ts';

/** In navigation order: dashboard and calls, numbers and deliveries, the call centre, then the account's set-up. */
export const PAGES: PageDef[] = [...CALLS_PAGES, ...NUMBERS_PAGES, ...CALL_CENTRE_PAGES, ...ADMIN_PAGES];
