// The admin pages of the portal (see routes.ts).
import type { PageDef } from './routes.ts';

export const ADMIN_PAGES: PageDef[] = [];
