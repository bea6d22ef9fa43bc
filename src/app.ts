import pino, { type Logger } from 'pino';
import type { Config } from './config/config.ts';
import { systemClock, type Clock } from './domain/clock.ts';
import { createHttpSender, type HttpSender } from './integrations/http-sender.ts';
import { migrate, openStorage, type Storage } from './storage/database.ts';
import { AccountService } from './services/account.service.ts';
import { InventoryService } from './services/inventory.service.ts';
import { DeliveryService } from './services/delivery.service.ts';
import { TelcoService } from './services/telco.service.ts';
import { Worker } from './jobs/worker.ts';
import { CallHooks } from './services/call-hooks.ts';

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
  close(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  sender?: HttpSender;
  log?: Logger;
  /** Run migrations on open (default true). */
  migrate?: boolean;
}

export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? pino({ level: config.logLevel, base: { service: 'telltale' } });
  const storage = openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  if (opts.migrate !== false) await migrate(storage);
  const sender = opts.sender ?? createHttpSender({ connectTimeoutMs: config.deliveryConnectTimeoutMs, totalTimeoutMs: config.deliveryTimeoutMs, allowPrivateUrls: config.allowPrivateUrls });
  const accounts = new AccountService(storage, clock);
  const inventory = new InventoryService(storage, clock, { quarantineDays: config.quarantineDays, quietDays: config.quietDays, noiseThreshold: config.noiseThreshold });
  const delivery = new DeliveryService(storage, clock, sender, { retrySchedule: config.deliveryRetrySchedule, leaseMs: config.deliveryTimeoutMs + 30_000 });
  const telco = new TelcoService(storage, clock, inventory, delivery, { propagationDelaySeconds: config.propagationDelaySeconds });
  const callHooks = new CallHooks();
  const worker = new Worker({ telco, delivery, inventory, log, pollMs: config.workerPollMs, sweepIntervalMs: config.sweepIntervalSeconds * 1000 });
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
    async close() {
      await worker.stop();
      await sender.close();
      await storage.close();
    },
  };
}
