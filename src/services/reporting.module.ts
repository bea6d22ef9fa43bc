import path from 'node:path';
import type { Clock } from '../domain/clock.ts';
import type { Storage } from '../storage/database.ts';
import type { AccountService } from './account.service.ts';
import type { DeliveryService } from './delivery.service.ts';
import { secretKeyOf } from '../config/secret-key.ts';
import { FeedService } from './feed.service.ts';
import { FEED_UPLOAD_KIND, FeedUploadService } from './feed-upload.service.ts';
import { LegacyApiService } from './legacy-api.service.ts';
import { ReportingService } from './reporting.service.ts';

/** The reporting area: WebAPI reads, data feeds and their daily uploads, the legacy JSON API. */
export interface Reporting {
  reports: ReportingService;
  feeds: FeedService;
  feedUploads: FeedUploadService;
  legacy: LegacyApiService;
}

/** Builds the reporting services and registers the `feed_upload` transport with the delivery engine. */
export function createReporting(deps: {
  storage: Storage;
  clock: Clock;
  accounts: AccountService;
  delivery: DeliveryService;
  config: { publicUrl: string; dataDir: string; allowPrivateUrls: boolean; deliveryTimeoutMs: number; legacyTokenTtlSeconds: number } & Parameters<typeof secretKeyOf>[0];
}): Reporting {
  const { storage, clock, config } = deps;
  const reports = new ReportingService(storage, clock, { publicUrl: config.publicUrl });
  // SQLite's file is `telltale.db` in the data folder (see openStorage); feeds stream from it on a reader of their own.
  const sqliteFile = storage.dialect === 'sqlite' ? path.join(config.dataDir, 'telltale.db') : null;
  const feeds = new FeedService(storage, clock, { publicUrl: config.publicUrl, sqliteFile, secretKey: secretKeyOf(config), guard: deps.accounts.guard });
  const feedUploads = new FeedUploadService(storage, clock, deps.delivery, feeds, { allowPrivateUrls: config.allowPrivateUrls, timeoutMs: config.deliveryTimeoutMs });
  deps.delivery.registerTransport(FEED_UPLOAD_KIND, feedUploads.transport);
  const legacy = new LegacyApiService(storage, clock, deps.accounts, { publicUrl: config.publicUrl, dataDir: config.dataDir, tokenTtlSeconds: config.legacyTokenTtlSeconds });
  return { reports, feeds, feedUploads, legacy };
}
