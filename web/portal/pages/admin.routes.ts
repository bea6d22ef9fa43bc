// The admin pages of the portal (see routes.ts): the account's set-up.
import { h, type FunctionComponent } from 'preact';
import { useSession } from '../lib/session.tsx';
import type { PageDef, PageProps } from './routes.ts';
import { FeedsPage } from './feeds.tsx';
import { TrackingCodePage, TrackingPage } from './tracking.tsx';
import { UsersPage } from './users.tsx';
import { SubscriptionsPage } from './subscriptions.tsx';
import { SettingsPage } from './settings.tsx';

/** The page mounted afresh for each account: switching accounts on the page loads the other account's data. */
function perAccount(C: FunctionComponent<PageProps>): FunctionComponent<PageProps> {
  const Wrapped = (props: PageProps) => h(C, { ...props, key: String(useSession().current_client_id) });
  Wrapped.displayName = C.name;
  return Wrapped;
}

export const ADMIN_PAGES: PageDef[] = [
  { pattern: '/data-feeds', component: perAccount(FeedsPage), permission: 'read', nav: 'Data feeds' },
  { pattern: '/tracking', component: perAccount(TrackingPage), permission: 'read', nav: 'Website tracking' },
  { pattern: '/tracking/:code', component: perAccount(TrackingCodePage), permission: 'read' },
  { pattern: '/users', component: perAccount(UsersPage), permission: 'users', nav: 'Users' },
  { pattern: '/subscriptions', component: perAccount(SubscriptionsPage), permission: 'integrations', nav: 'Subscriptions' },
  { pattern: '/settings', component: perAccount(SettingsPage), permission: 'read', nav: 'Settings' },
];
