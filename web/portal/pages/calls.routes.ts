// The calls pages of the portal (see routes.ts): the dashboard, the call log and one call.
import type { PageDef } from './routes.ts';
import { DashboardPage } from './dashboard.tsx';
import { CallsPage } from './calls.tsx';
import { CallPage } from './call.tsx';

export const CALLS_PAGES: PageDef[] = [
  { pattern: '/', component: DashboardPage, permission: 'read', nav: 'Dashboard' },
  { pattern: '/calls', component: CallsPage, permission: 'read', nav: 'Calls' },
  { pattern: '/calls/:id', component: CallPage, permission: 'read' },
];
