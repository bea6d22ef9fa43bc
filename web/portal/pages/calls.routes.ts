// The calls pages of the portal (see routes.ts).
import type { PageDef } from './routes.ts';

export const CALLS_PAGES: PageDef[] = [];
