import pino, { type Logger } from 'pino';
import type { Config } from './config/config.ts';
import { secretKeyOf } from './config/secret-key.ts';
import { SecretCodec } from './domain/accounts/secret-box.ts';
import { systemClock, type Clock } from './domain/clock.ts';
import { checkPublicDestination, createHttpSender, type HttpSender } from './integrations/delivery/http-sender.ts';
import { migrate, openStorage, type Storage } from './storage/database.ts';
import { AccountService } from './services/accounts/account.service.ts';
import { InventoryService } from './services/inventory/inventory.service.ts';
import { DeliveryService } from './services/delivery/delivery.service.ts';
import { DeliveryLogService } from './services/delivery/delivery-log.service.ts';
import { TelcoService } from './services/telco/telco.service.ts';
import { TelcoRequestSteps } from './services/telco/request-steps.service.ts';
import { RequestStatusNotifier } from './services/telco/request-status.ts';
import { telcoRequestsJob } from './jobs/telco-requests.job.ts';
import { Worker } from './jobs/worker.ts';
import { Outbox } from './jobs/outbox.ts';
import { CallConsumers, type CallConsumer } from './services/calls/call-consumers.ts';
import { createReporting, type Reporting } from './services/reporting/reporting.module.ts';
import { SharedWindowLimiter } from './domain/accounts/rate-limit.ts';
import { SqlFailureCounter, SqlWindowCounter } from './storage/accounts/rate-limit.repository.ts';
import { AuthThrottle } from './domain/accounts/auth-throttle.ts';
import { boundedVerifier, verifyPassword, type PasswordVerifier } from './domain/accounts/password.ts';
import { CredentialGuard } from './services/accounts/credential-guard.ts';
import { CallFinalizer } from './services/calls/call-finalize.service.ts';
import { RecordingService } from './services/calls/recording.service.ts';
import { CallIngestService } from './services/calls/call-ingest.service.ts';
import { CarrierWebhookService } from './services/calls/carrier-webhook.service.ts';
import { CallLookupService } from './services/calls/call-lookup.service.ts';
import { fileRecordingStore } from './integrations/calls/recording-store.ts';
import { TestCallService } from './services/calls/test-call.service.ts';
import { callJobs } from './jobs/calls.job.ts';
import { QueueEngine } from './services/artic/queue-engine.service.ts';
import { AgentActionsService } from './services/artic/agent-actions.service.ts';
import { SandboxCarrier } from './telephony/sandbox/sandbox-carrier.ts';
import { fetchRecordingMedia } from './integrations/calls/recording-fetch.ts';
import { CallDeliveryService } from './services/delivery/call-delivery.service.ts';
import { CallbackTestService } from './services/delivery/callback-test.service.ts';
import { createSmtpMailer } from './integrations/delivery/smtp-mailer.ts';
import { unconfiguredSms } from './integrations/delivery/sms-port.ts';
import { sandboxSmsOutbox } from './telephony/sandbox/sandbox-sms.ts';
import { AuditLog } from './services/accounts/audit.service.ts';
import { AccountSettingsService } from './services/accounts/account-settings.service.ts';
import { UserAdminService } from './services/accounts/user-admin.service.ts';
import type { AccountEvents } from './services/events/account-events.ts';
import { createCallWork, type CallWork } from './services/callwork/callwork.module.ts';
import { IdempotencyKeys } from './services/accounts/idempotency.service.ts';
import { SubscriptionService } from './services/events/subscription.service.ts';
import { CallEventsConsumer, serviceLiveEvent } from './services/events/event-consumers.ts';
import { AnswerPointService } from './services/telco/answer-point.service.ts';
import { OutboundCallService } from './services/calls/outbound-call.service.ts';
import { TrackingCodeService } from './services/dni/tracking-codes.service.ts';
import { DniVisitService } from './services/dni/visits.service.ts';
import { ArticConfigService } from './services/artic/config.service.ts';
import { ArticReportsService } from './services/artic/reports.service.ts';

/** Everything one Telltale process holds: storage, services and the worker. The composition root. */
export interface App {
  config: Config;
  clock: Clock;
  log: Logger;
  storage: Storage;
  accounts: AccountService;
  /** The current account's settings as its users change them (UserAPI): name, time zone, test calls, webhook secret. */
  accountSettings: AccountSettingsService;
  inventory: InventoryService;
  delivery: DeliveryService;
  /** The outbox claim loop over the delivery engine (the worker's delivery lane runs it). */
  outbox: Outbox;
  /** The delivery log accounts read, and redelivery. */
  deliveryLog: DeliveryLogService;
  telco: TelcoService;
  worker: Worker;
  /** What happens inside the transaction of a finalized call or a received SMS: the consumers listed in createApp. */
  callConsumers: CallConsumers;
  /** WebAPI reads, data feeds and their daily uploads, the legacy JSON API. */
  reporting: Reporting;
  /** The WebAPI's per-user request budget, counted in the database so all API processes share it. */
  webapiRateLimiter: SharedWindowLimiter;
  /** The carriers' way in: verified webhooks handed to call ingestion. */
  carrierWebhooks: CarrierWebhookService;
  /** Call records derived from their events; finalization, once per call. */
  callFinalizer: CallFinalizer;
  /** Recordings copied from the carrier and served by token. */
  recordings: RecordingService;
  /** Reads of the call area (whose a number is, calls and SMS by carrier id). */
  callLookup: CallLookupService;
  /** Automatic test calls queued when services go live. */
  testCalls: TestCallService;
  /** The built-in simulated carrier (its HTTP routes exist in sandbox mode only). */
  sandbox: SandboxCarrier;
  /** HTTP Callback, SMS Forward and notifications of finalized calls and received SMS (a call consumer). */
  callDelivery: CallDeliveryService;
  /** A service's HTTP Callback tried now with a sample call (UserAPI), sent as the delivery engine sends it, unrecorded. */
  callbackTests: CallbackTestService;
  /** Who changed what in an account: recorded inside the changing transaction. */
  audit: AuditLog;
  /** UserAPI administration: users and roles, invitations, API keys, password policy. */
  userAdmin: UserAdminService;
  /** Events announced to the account's subscriptions (call.updated, …), queued inside the change's transaction. */
  events: AccountEvents;
  /** Call work (UserAPI): labels, notes, evaluations and their questions and report, received SMS. */
  callWork: CallWork;
  /** Idempotency-Key of public POSTs: who processes a keyed request, what its repeats get (purged by the worker's sweep). */
  idempotency: IdempotencyKeys;
  /** Event subscriptions of the accounts (the UserAPI's integrations); they deliver `events`. */
  subscriptions: SubscriptionService;
  /** Named answer points and the UserAPI's service settings, applied through Telco requests. */
  answerPoints: AnswerPointService;
  /** ARTIC: agents log in and out, pause and unpause, set their answer point (issue #14). */
  agentActions: AgentActionsService;
  /** Click-to-call: the agent leg (sandbox carrier only for now), then the customer; tracked as a call-out. */
  outboundCalls: OutboundCallService;
  /** DNI set-up: tracking codes, their pools and rules, the pool report. */
  dniCodes: TrackingCodeService;
  /** DNI on the website: visits, leases, heartbeats; and the attribution of finalized calls to visits. */
  dniVisits: DniVisitService;
  /** ARTIC (the call centre) administration: teams, agents, queues, IVR menus. */
  articConfig: ArticConfigService;
  /** ARTIC reports: the real-time state of agents and queues, the historical metrics from the queue journal. */
  articReports: ArticReportsService;
  close(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  sender?: HttpSender;
  log?: Logger;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  /** More consumers of finalized calls and received SMS, after the app's own (tests observe calls with one). */
  callConsumers?: CallConsumer[];
  /** The password KDF (default scrypt); tests wrap it to count its runs. */
  verifyPassword?: PasswordVerifier;
}

export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? pino({ level: config.logLevel, base: { service: 'telltale' } });
  const storage = openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, dbBusyTimeoutMs: config.dbBusyTimeoutMs });
  // One codec for the secrets kept at rest (webhook and legacy API secrets): opened values are cached process-wide.
  const secrets = new SecretCodec(secretKeyOf(config));
  if (opts.migrate !== false) await migrate(storage, { secrets });
  const sender = opts.sender ?? createHttpSender({ connectTimeoutMs: config.deliveryConnectTimeoutMs, totalTimeoutMs: config.deliveryTimeoutMs, allowPrivateUrls: config.allowPrivateUrls });
  // Failed sign-ins counted in the database (all API processes), password checks bounded in this process.
  const authThrottle = new AuthThrottle(
    new SqlFailureCounter(storage),
    { userLimit: config.authFailUserLimit, addressLimit: config.authFailAddressLimit, windowMs: config.authFailWindowSeconds * 1000 },
    () => clock.now().getTime(),
    (err, context) => log.warn({ err }, context === 'count' ? 'failed-auth throttle: the database did not count; counting in this process meanwhile' : 'failed-auth throttle: deleting old windows failed'),
  );
  const verify = boundedVerifier(opts.verifyPassword ?? verifyPassword, { concurrency: config.authKdfConcurrency, maxWaiting: 256 });
  const accounts = new AccountService(storage, clock, secrets, {
    guard: new CredentialGuard(authThrottle, verify, { cacheMs: 60_000, now: () => Date.now() }),
    sessions: { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours },
  });
  const audit = new AuditLog(clock);
  const inventory = new InventoryService(storage, clock, { quarantineDays: config.quarantineDays, quietDays: config.quietDays, noiseThreshold: config.noiseThreshold });
  const delivery = new DeliveryService(storage, clock, sender, {
    retrySchedule: config.deliveryRetrySchedule,
    // Room for two attempts back to back in one lane of a batch, plus the write; an attempt only starts if it fits.
    leaseMs: config.deliveryTimeoutMs * 2 + 5000,
    attemptTimeoutMs: config.deliveryTimeoutMs,
    concurrency: config.deliveryConcurrency,
    secrets,
    pollMs: config.workerPollMs,
  });
  const deliveryLog = new DeliveryLogService(storage, clock, delivery);
  const checkDestination = config.allowPrivateUrls ? undefined : (url: string) => checkPublicDestination(url, { allowUnresolved: true });
  // Account events (call.finalized, call.updated, sms.received, service.live, request.status) go to the subscriptions.
  const subscriptions = new SubscriptionService(storage, clock, delivery, deliveryLog, sender, secrets, audit, { checkDestination, disableAfterFailures: config.subscriptionDisableAfter });
  const statusCallbacks = new RequestStatusNotifier(delivery, subscriptions);
  const telco = new TelcoService(storage, clock, inventory, statusCallbacks, {
    checkDestination: config.allowPrivateUrls ? undefined : (url) => checkPublicDestination(url, { allowUnresolved: true }),
  });
  const telcoSteps = new TelcoRequestSteps(storage, clock, inventory, statusCallbacks, {
    propagationDelaySeconds: config.propagationDelaySeconds,
    onServiceLive: async (tx, svc) => {
      await subscriptions.publish(tx, serviceLiveEvent(svc));
      await testCalls.serviceLive(tx, svc);
    },
  });
  const mailer = createSmtpMailer({ url: config.smtpUrl, from: config.smtpFrom, timeoutMs: config.deliveryTimeoutMs });
  const callDelivery = new CallDeliveryService(delivery, mailer, config.mode === 'sandbox' ? sandboxSmsOutbox(storage.db, clock) : unconfiguredSms, { publicUrl: config.publicUrl });
  // The edge from a finalized call (or a received SMS) to everything it causes, in the order they run, inside the
  // finalizing transaction: HTTP Callback, SMS Forward and notifications. New areas (DNI, ARTIC, analysis) join here.
  const callConsumers = new CallConsumers([callDelivery, new CallEventsConsumer(subscriptions, { publicUrl: config.publicUrl }), ...(opts.callConsumers ?? [])]);
  const sandbox = new SandboxCarrier({ publicUrl: config.publicUrl, accountSid: config.twilioAccountSid, authToken: config.twilioAuthToken });
  const dniVisits = new DniVisitService(storage, clock, { publicUrl: config.publicUrl, mode: config.mode, graceMinutes: config.dniGraceMinutes });
  const dniCodes = new TrackingCodeService(storage, clock, audit, { publicUrl: config.publicUrl, mode: config.mode, onChange: () => dniVisits.forgetCodes() });
  // DNI attribution is decided in the finalizing transaction before the consumers run, so the callback carries it.
  const callFinalizer = new CallFinalizer(storage, clock, callConsumers, { publicUrl: config.publicUrl, graceSeconds: config.callGraceSeconds, log, attribution: dniVisits });
  const recordings = new RecordingService(storage, clock, callFinalizer, fileRecordingStore(config.dataDir), {
    publicUrl: config.publicUrl,
    fetchMedia: (url) => fetchRecordingMedia(url, config),
    log,
  });
  const queueEngine = new QueueEngine(clock);
  const callIngest = new CallIngestService(storage, clock, inventory, callFinalizer, recordings, callConsumers, { graceSeconds: config.callGraceSeconds }, queueEngine);
  const carrierWebhooks = new CarrierWebhookService(storage, clock, callIngest, {
    publicUrl: config.publicUrl,
    mode: config.mode,
    credentials: { accountSid: config.twilioAccountSid, authToken: config.twilioAuthToken },
    // Only configured carriers get credentials: a flavour without them is refused (and its routes are not mounted).
    credentialsFor: {
      twilio: { accountSid: config.twilioAccountSid, authToken: config.twilioAuthToken },
      ...(config.signalwireSigningKey ? { signalwire: { accountSid: config.signalwireProjectId, authToken: config.signalwireSigningKey } } : {}),
      ...(config.telnyxPublicKey ? { telnyx: { accountSid: '', authToken: '', publicKey: config.telnyxPublicKey } } : {}),
    },
    log,
  });
  const testCalls = new TestCallService(storage, clock, sandbox, log);
  const reporting = createReporting({ storage, clock, accounts, delivery, secrets, config });
  const webapiRateLimiter = new SharedWindowLimiter(new SqlWindowCounter(storage), config.webapiRateLimit, config.webapiRateWindowSeconds * 1000, (err, context) =>
    context === 'count'
      ? log.warn({ err }, 'WebAPI rate limit: the database did not count a request; failing open (counting in this process while the database fails)')
      : log.warn({ err }, 'WebAPI rate limit: deleting old windows failed'),
  );
  const outbox = new Outbox(delivery);
  const idempotency = new IdempotencyKeys(storage, clock, { ttlSeconds: config.idempotencyTtlSeconds, secrets });
  const callWork = createCallWork({ storage, clock, audit, events: subscriptions, reports: reporting.reports });
  const outboundCalls = new OutboundCallService(storage, clock, config.mode === 'sandbox' ? sandbox : null, audit, { publicUrl: config.publicUrl, mode: config.mode });
  const worker = new Worker({ telco: telcoRequestsJob(telco, telcoSteps), delivery: outbox, inventory, feedUploads: reporting.feedUploads, log, pollMs: config.workerPollMs, sweepIntervalMs: config.sweepIntervalSeconds * 1000, calls: callJobs({ recordings, finalizer: callFinalizer, testCalls }), clock, idempotency, outbound: outboundCalls });
  return {
    config,
    clock,
    log,
    storage,
    accounts,
    accountSettings: new AccountSettingsService(storage, accounts, audit),
    inventory,
    delivery,
    outbox,
    deliveryLog,
    telco,
    worker,
    callConsumers,
    reporting,
    webapiRateLimiter,
    carrierWebhooks,
    callFinalizer,
    recordings,
    callLookup: new CallLookupService(storage),
    testCalls,
    sandbox,
    callDelivery,
    callbackTests: new CallbackTestService(storage, clock, delivery, { publicUrl: config.publicUrl }),
    audit,
    events: subscriptions,
    subscriptions,
    answerPoints: new AnswerPointService(storage, clock, telco, audit),
    agentActions: new AgentActionsService(storage, clock),
    // The sandbox carrier rings the agent when POST /sandbox/v1/outbound/{id} plays it; production has no carrier REST client yet.
    outboundCalls,
    callWork,
    idempotency,
    userAdmin: new UserAdminService(storage, clock, accounts, audit),
    dniCodes,
    dniVisits,
    articConfig: new ArticConfigService(storage, clock, audit),
    articReports: new ArticReportsService(storage, clock),
    async close() {
      await worker.stop();
      await sender.close();
      await mailer.close();
      await storage.close();
    },
  };
}
