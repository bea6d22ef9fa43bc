// The admin pages of the portal (see routes.ts): the account's set-up.
import type { PageDef } from './routes.ts';
import { FeedsPage } from './feeds.tsx';
import { TrackingCodePage, TrackingPage } from './tracking.tsx';
import { UsersPage } from './users.tsx';
import { SubscriptionsPage } from './subscriptions.tsx';
import { SettingsPage } from './settings.tsx';

export const ADMIN_PAGES: PageDef[] = [
  { pattern: '/data-feeds', component: FeedsPage, permission: 'read', nav: 'Data feeds' },
  { pattern: '/tracking', component: TrackingPage, permission: 'read', nav: 'Website tracking' },
  { pattern: '/tracking/:code', component: TrackingCodePage, permission: 'read' },
  { pattern: '/users', component: UsersPage, permission: 'users', nav: 'Users' },
  { pattern: '/subscriptions', component: SubscriptionsPage, permission: 'integrations', nav: 'Subscriptions' },
  { pattern: '/settings', component: SettingsPage, permission: 'read', nav: 'Settings' },
];
