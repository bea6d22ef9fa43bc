import pino, { type Logger } from 'pino';
import type { Config } from './config/config.ts';
import { secretKeyOf } from './config/secret-key.ts';
import { SecretCodec } from './domain/secret-box.ts';
import { systemClock, type Clock } from './domain/clock.ts';
import { checkPublicDestination, createHttpSender, type HttpSender } from './integrations/http-sender.ts';
import { migrate, openStorage, type Storage } from './storage/database.ts';
import { AccountService } from './services/account.service.ts';
import { InventoryService } from './services/inventory.service.ts';
import { DeliveryService } from './services/delivery.service.ts';
import { TelcoService } from './services/telco.service.ts';
import { Worker } from './jobs/worker.ts';
import { CallHooks } from './services/call-hooks.ts';
import { createReporting, type Reporting } from './services/reporting.module.ts';
import { SharedWindowLimiter } from './domain/rate-limit.ts';
import { SqlFailureCounter, SqlWindowCounter } from './storage/rate-limit.repository.ts';
import { AuthThrottle } from './domain/auth-throttle.ts';
import { boundedVerifier, verifyPassword, type PasswordVerifier } from './domain/password.ts';
import { CredentialGuard } from './services/credential-guard.ts';
import { CallService } from './services/call.service.ts';
import { TestCallService } from './services/test-call.service.ts';
import { callJobs } from './jobs/call.jobs.ts';
import { SandboxCarrier } from './telephony/sandbox/sandbox-carrier.ts';
import { fetchRecordingMedia } from './integrations/recording-fetch.ts';
import { CallDeliveryService } from './services/call-delivery.service.ts';
import { createSmtpMailer } from './integrations/smtp-mailer.ts';
import { createSandboxSms, unconfiguredSms } from './integrations/sms-port.ts';

/** Everything one Telltale process holds: storage, services and the worker. The composition root. */
export interface App {
  config: Config;
  clock: Clock;
  log: Logger;
  storage: Storage;
  accounts: AccountService;
  inventory: InventoryService;
  delivery: DeliveryService;
  telco: TelcoService;
  worker: Worker;
  /** Handlers run inside the transaction of a finalized call or a received SMS. */
  callHooks: CallHooks;
  /** WebAPI reads, data feeds and their daily uploads, the legacy JSON API. */
  reporting: Reporting;
  /** The WebAPI's per-user request budget, counted in the database so all API processes share it. */
  webapiRateLimiter: SharedWindowLimiter;
  /** The telephony edge: carrier webhooks, call records, recordings, finalization. */
  calls: CallService;
  /** Automatic test calls queued when services go live. */
  testCalls: TestCallService;
  /** The built-in simulated carrier (its HTTP routes exist in sandbox mode only). */
  sandbox: SandboxCarrier;
  /** HTTP Callback, SMS Forward and notifications of finalized calls and received SMS (registered in callHooks). */
  callDelivery: CallDeliveryService;
  close(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  sender?: HttpSender;
  log?: Logger;
  /** Run migrations on open (default true). */
  migrate?: boolean;
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
  const accounts = new AccountService(storage, clock, secrets, { guard: new CredentialGuard(authThrottle, verify, { cacheMs: 60_000, now: () => Date.now() }) });
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
  const telco = new TelcoService(storage, clock, inventory, delivery, {
    propagationDelaySeconds: config.propagationDelaySeconds,
    onServiceLive: (tx, svc) => testCalls.serviceLive(tx, svc),
    checkDestination: config.allowPrivateUrls ? undefined : (url) => checkPublicDestination(url, { allowUnresolved: true }),
  });
  const callHooks = new CallHooks();
  const mailer = createSmtpMailer({ url: config.smtpUrl, from: config.smtpFrom, timeoutMs: config.deliveryTimeoutMs });
  const callDelivery = new CallDeliveryService(delivery, mailer, config.mode === 'sandbox' ? createSandboxSms(storage.db, clock) : unconfiguredSms, { publicUrl: config.publicUrl });
  callHooks.add(callDelivery);
  const sandbox = new SandboxCarrier({ publicUrl: config.publicUrl, accountSid: config.twilioAccountSid, authToken: config.twilioAuthToken });
  const calls = new CallService(storage, clock, inventory, callHooks, {
    publicUrl: config.publicUrl,
    dataDir: config.dataDir,
    graceSeconds: config.callGraceSeconds,
    mode: config.mode,
    credentials: { accountSid: config.twilioAccountSid, authToken: config.twilioAuthToken },
    // Only configured carriers get credentials: a flavour without them is refused (and its routes are not mounted).
    credentialsFor: {
      twilio: { accountSid: config.twilioAccountSid, authToken: config.twilioAuthToken },
      ...(config.signalwireSigningKey ? { signalwire: { accountSid: config.signalwireProjectId, authToken: config.signalwireSigningKey } } : {}),
      ...(config.telnyxPublicKey ? { telnyx: { accountSid: '', authToken: '', publicKey: config.telnyxPublicKey } } : {}),
    },
    fetchMedia: (url) => fetchRecordingMedia(url, config),
    log,
  });
  const testCalls = new TestCallService(storage, clock, sandbox, log);
  const reporting = createReporting({ storage, clock, accounts, delivery, secrets, config });
  const webapiRateLimiter = new SharedWindowLimiter(new SqlWindowCounter(storage), config.webapiRateLimit, config.webapiRateWindowSeconds * 1000, (err, context) =>
    context === 'count'
      ? log.warn({ err }, 'WebAPI rate limit: the database did not count a request; failing open (counting in this process while the database fails)')
      : log.warn({ err }, 'WebAPI rate limit: deleting old windows failed'),
  );
  const worker = new Worker({ telco, delivery, inventory, feedUploads: reporting.feedUploads, log, pollMs: config.workerPollMs, sweepIntervalMs: config.sweepIntervalSeconds * 1000, calls: callJobs(calls, testCalls), clock });
  return {
    config,
    clock,
    log,
    storage,
    accounts,
    inventory,
    delivery,
    telco,
    worker,
    callHooks,
    reporting,
    webapiRateLimiter,
    calls,
    testCalls,
    sandbox,
    callDelivery,
    async close() {
      await worker.stop();
      await sender.close();
      await mailer.close();
      await storage.close();
    },
  };
}
