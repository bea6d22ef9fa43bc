// The call-centre pages of the portal (see routes.ts): the live board, the agents and their actions, the set-up and
// the day's history (ARTIC, /artic/v1). Each view is a page of its own (a URL); the tabs link them.
import { h, type FunctionComponent } from 'preact';
import './call-centre.css';
import { useSession } from '../lib/session.tsx';
import type { PageDef, PageProps } from './routes.ts';
import { CallCentreBoardPage } from './call-centre-board.tsx';
import { CallCentreAgentsPage } from './call-centre-agents.tsx';
import { CallCentreSetupPage } from './call-centre-setup.tsx';
import { CallCentreHistoryPage } from './call-centre-history.tsx';

/** Mounted afresh for each account: switching accounts shows the other account's call centre (and its stream). */
function perAccount(C: FunctionComponent<PageProps>): FunctionComponent<PageProps> {
  const Wrapped = (props: PageProps) => h(C, { ...props, key: String(useSession().current_client_id) });
  Wrapped.displayName = C.name;
  return Wrapped;
}

export const CALL_CENTRE_PAGES: PageDef[] = [
  { pattern: '/call-centre', component: perAccount(CallCentreBoardPage), permission: 'read', nav: 'Call centre' },
  { pattern: '/call-centre/agents', component: perAccount(CallCentreAgentsPage), permission: 'read' },
  { pattern: '/call-centre/setup', component: perAccount(CallCentreSetupPage), permission: 'read' },
  { pattern: '/call-centre/history', component: perAccount(CallCentreHistoryPage), permission: 'read' },
];
