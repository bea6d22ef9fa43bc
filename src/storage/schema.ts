import type { AccountTable, AuditLogTable, AuthFailureTable, DigestNonceTable, RateLimitTable, UserAccountTable, UserTable } from './accounts/accounts.tables.ts';
import type { CallEvaluationTable, CallEventTable, CallRecordingTable, CallSessionTable, CallTable, CarrierRequestTable, EvaluationQuestionTable, SandboxSmsOutboxTable, SmsMessageTable, TestCallTable } from './calls/calls.tables.ts';
import type { DeliveryAttemptTable, DeliveryTable } from './delivery/delivery.tables.ts';
import type { InventoryRulesTable, NoiseCallTable, NumberTable, StockPolicyTable } from './inventory/inventory.tables.ts';
import type { FeedTable, FeedUploadTable, LegacyApiKeyTable, LegacyTokenTable } from './reporting/reporting.tables.ts';
import type { RequestTable, ServiceTable } from './telco/telco.tables.ts';
import type { DniCallAttributionTable, DniPoolNumberTable, DniTrackingCodeTable, DniVisitTable } from './dni/dni.tables.ts';

/** Every table, by area: each area's row types live beside its repositories (`storage/<area>/<area>.tables.ts`). */
export type { AccountTable, AuditLogTable, AuthFailureTable, DigestNonceTable, RateLimitTable, UserAccountTable, UserTable } from './accounts/accounts.tables.ts';
export type { CallEvaluationTable, CallEventTable, CallRecordingTable, CallSessionTable, CallTable, CarrierRequestTable, EvaluationQuestionTable, SandboxSmsOutboxTable, SmsMessageTable, TestCallTable } from './calls/calls.tables.ts';
export type { DeliveryAttemptTable, DeliveryTable } from './delivery/delivery.tables.ts';
export type { InventoryRulesTable, NoiseCallTable, NumberTable, StockPolicyTable } from './inventory/inventory.tables.ts';
export type { FeedTable, FeedUploadTable, LegacyApiKeyTable, LegacyTokenTable } from './reporting/reporting.tables.ts';
export type { RequestTable, ServiceTable } from './telco/telco.tables.ts';
export type { DniCallAttributionTable, DniPoolNumberTable, DniTrackingCodeTable, DniVisitTable } from './dni/dni.tables.ts';

/** The database as Kysely sees it: every table by its name. */
export interface Database {
  calls: CallTable;
  sms_messages: SmsMessageTable;
  accounts: AccountTable;
  users: UserTable;
  user_accounts: UserAccountTable;
  numbers: NumberTable;
  stock_policies: StockPolicyTable;
  inventory_rules: InventoryRulesTable;
  noise_calls: NoiseCallTable;
  services: ServiceTable;
  requests: RequestTable;
  deliveries: DeliveryTable;
  carrier_requests: CarrierRequestTable;
  call_events: CallEventTable;
  call_sessions: CallSessionTable;
  call_recordings: CallRecordingTable;
  test_calls: TestCallTable;
  delivery_attempts: DeliveryAttemptTable;
  sandbox_sms_outbox: SandboxSmsOutboxTable;
  feeds: FeedTable;
  feed_uploads: FeedUploadTable;
  legacy_api_keys: LegacyApiKeyTable;
  legacy_tokens: LegacyTokenTable;
  evaluation_questions: EvaluationQuestionTable;
  call_evaluations: CallEvaluationTable;
  rate_limits: RateLimitTable;
  auth_failures: AuthFailureTable;
  digest_nonces: DigestNonceTable;
  audit_log: AuditLogTable;
  dni_tracking_codes: DniTrackingCodeTable;
  dni_pool_numbers: DniPoolNumberTable;
  dni_visits: DniVisitTable;
  dni_call_attributions: DniCallAttributionTable;
}
