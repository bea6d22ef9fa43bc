import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AccountService } from './account.service.ts';
import type { InventoryService, NumberRecordIn } from '../inventory/inventory.service.ts';

export const DEMO_CLIENT_ID = 5995;
export const DEMO_USERNAME = 'demo';

/** Sandbox stock of every class: Australian GEO (Sydney, Melbourne), 1300, 1800 and mobile numbers, and US GEO/toll-free. */
export function* sandboxStock(): Generator<NumberRecordIn> {
  let line = 0;
  const n = (number: string, cls?: string) => ({ line: ++line, number, class: cls });
  for (let i = 0; i < 25; i++) yield n(`+6129008${String(8800 + i)}`);
  for (let i = 0; i < 10; i++) yield n(`+6139001${String(2300 + i)}`);
  for (let i = 0; i < 10; i++) yield n(`+61130045${String(6700 + i).slice(-4)}`);
  for (let i = 0; i < 10; i++) yield n(`+61180012${String(3400 + i).slice(-4)}`);
  for (let i = 0; i < 15; i++) yield n(`+614120${String(55000 + i)}`);
  for (let i = 0; i < 5; i++) yield n(`+1415555${String(1200 + i)}`);
  for (let i = 0; i < 5; i++) yield n(`+1800555${String(1200 + i)}`);
}

/**
 * On an empty database (no account yet), seeds the demo account, a demo user with a fresh password and a sandbox
 * stock. Writes `demo-credentials` (user:password) into the data folder and returns the credentials, or null when
 * there was already an account.
 */
export async function seedDemo(deps: { accounts: AccountService; inventory: InventoryService; dataDir: string }): Promise<{ username: string; password: string; clientId: number; numbers: number } | null> {
  if ((await deps.accounts.countAccounts()) > 0) return null;
  await deps.accounts.createAccount({ clientId: DEMO_CLIENT_ID, name: 'Demo Account', timezone: 'Australia/Sydney' });
  const password = randomBytes(9).toString('base64url');
  await deps.accounts.createUser({ username: DEMO_USERNAME, password, clientIds: [DEMO_CLIENT_ID] });
  const result = await deps.inventory.importNumbers(sandboxStock());
  fs.mkdirSync(deps.dataDir, { recursive: true });
  fs.writeFileSync(path.join(deps.dataDir, 'demo-credentials'), `${DEMO_USERNAME}:${password}`, { mode: 0o600 });
  return { username: DEMO_USERNAME, password, clientId: DEMO_CLIENT_ID, numbers: result.inserted };
}
