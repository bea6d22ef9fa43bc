// The numbers pages of the portal (see routes.ts): the services, ordering one, one service, the delivery log.
import { DeliveriesPage } from './deliveries.tsx';
import { NumberOrderPage } from './number-order.tsx';
import { NumbersPage } from './numbers.tsx';
import type { PageDef } from './routes.ts';
import { ServicePage } from './service.tsx';

export const NUMBERS_PAGES: PageDef[] = [
  { pattern: '/numbers', component: NumbersPage, permission: 'read', nav: 'Numbers' },
  // before /numbers/:id, which would match it too
  { pattern: '/numbers/order', component: NumberOrderPage, permission: 'numbers' },
  { pattern: '/numbers/:id', component: ServicePage, permission: 'read' },
  { pattern: '/deliveries', component: DeliveriesPage, permission: 'read', nav: 'Deliveries' },
];
