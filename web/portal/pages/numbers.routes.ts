// The numbers pages of the portal (see routes.ts).
import type { PageDef } from './routes.ts';

export const NUMBERS_PAGES: PageDef[] = [];
