import { IANAZone } from 'luxon';
import { AppError, type FieldError } from '../../domain/errors.ts';
import type { Storage } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import type { AccountService } from './account.service.ts';
import type { AuditActor, AuditLog } from './audit.service.ts';

/** What a user sees of their account (never the webhook secret: that is `webhookSecret`, behind `integrations`). */
export interface AccountSettings {
  client_id: number;
  name: string;
  timezone: string;
  auto_test_call: boolean;
  created_at: string;
}

export interface AccountSettingsPatch {
  name?: string;
  timezone?: string;
  auto_test_call?: boolean;
}

const NAME_MAX = 200;

/**
 * The account's own settings as its users change them (UserAPI): name, time zone and automatic test calls, and the
 * webhook secret that signs its HTTP deliveries. Every change is audited in the transaction that makes it; the audit
 * entry of a secret rotation never holds the secret.
 */
export class AccountSettingsService {
  constructor(
    private readonly storage: Storage,
    private readonly accounts: Pick<AccountService, 'showAccount' | 'rotateWebhookSecret'>,
    private readonly audit: AuditLog,
  ) {}

  async get(clientId: number): Promise<AccountSettings> {
    const row = await accounts.findAccount(this.storage.db, clientId);
    if (!row) throw new AppError('not_found', `account ${clientId} does not exist`);
    return { client_id: Number(row.client_id), name: row.name, timezone: row.timezone, auto_test_call: Number(row.auto_test_call) === 1, created_at: row.created_at };
  }

  /** Changes the settings given (a 400 names each bad field); audited as `account.update` with each change from → to. */
  async update(clientId: number, actor: AuditActor, patch: AccountSettingsPatch): Promise<AccountSettings> {
    const problems: FieldError[] = [];
    const name = patch.name === undefined ? undefined : patch.name.trim();
    if (name !== undefined && (name.length === 0 || name.length > NAME_MAX)) problems.push({ path: 'name', message: `must be 1 to ${NAME_MAX} characters (spaces around it are dropped)` });
    if (patch.timezone !== undefined && !IANAZone.isValidZone(patch.timezone)) problems.push({ path: 'timezone', message: `"${patch.timezone}" is not an IANA time zone (e.g. Australia/Sydney, Europe/London, UTC)` });
    if (problems.length) throw new AppError('validation_failed', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
    await this.storage.tx(async (tx) => {
      const row = await accounts.findAccount(tx, clientId);
      if (!row) throw new AppError('not_found', `account ${clientId} does not exist`);
      const before = { name: row.name, timezone: row.timezone, auto_test_call: Number(row.auto_test_call) === 1 };
      const next = { name: name ?? before.name, timezone: patch.timezone ?? before.timezone, auto_test_call: patch.auto_test_call ?? before.auto_test_call };
      const changed = Object.fromEntries(
        (Object.keys(before) as (keyof typeof before)[]).filter((k) => before[k] !== next[k]).map((k) => [k, { from: before[k], to: next[k] }]),
      );
      if (Object.keys(changed).length === 0) return;
      await accounts.updateAccount(tx, clientId, { name: next.name, timezone: next.timezone, auto_test_call: next.auto_test_call ? 1 : 0 });
      await this.audit.record(tx, { clientId, actor, action: 'account.update', target: `account:${clientId}`, detail: changed });
    });
    return this.get(clientId);
  }

  /** The secret that signs the account's HTTP deliveries now (Standard Webhooks `whsec_…`). */
  async webhookSecret(clientId: number): Promise<string> {
    return (await this.accounts.showAccount(clientId)).webhook_secret;
  }

  /** A new webhook secret, at once (the old one signs nothing more); audited as `account.webhook_secret_rotate`, without the secret. */
  async rotateWebhookSecret(clientId: number, actor: AuditActor): Promise<string> {
    return this.accounts.rotateWebhookSecret(clientId, (tx) => this.audit.record(tx, { clientId, actor, action: 'account.webhook_secret_rotate', target: `account:${clientId}` }));
  }
}
