import type { Clock } from '../../domain/clock.ts';
import type { Storage } from '../../storage/database.ts';
import type { AccountService } from '../accounts/account.service.ts';
import type { DeliveryService } from '../delivery/delivery.service.ts';
import { secretKeyOf } from '../../config/secret-key.ts';
import { checkPublicDestination } from '../../integrations/delivery/http-sender.ts';
import { SecretCodec } from '../../domain/accounts/secret-box.ts';
import { FeedService } from './feed.service.ts';
import { FeedAccessService } from './feed-access.service.ts';
import { FEED_UPLOAD_KIND, FeedUploadService } from './feed-upload.service.ts';
import { LegacyApiService } from './legacy-api.service.ts';
import { ReportingService } from './reporting.service.ts';

/** The reporting area: WebAPI reads, data feeds and their daily uploads, the legacy JSON API. */
export interface Reporting {
  reports: ReportingService;
  feeds: FeedService;
  /** Who may read a feed (IP allow-list, Basic, Digest). */
  feedAccess: FeedAccessService;
  feedUploads: FeedUploadService;
  legacy: LegacyApiService;
}

/** Builds the reporting services and registers the `feed_upload` transport with the delivery engine. */
export function createReporting(deps: {
  storage: Storage;
  clock: Clock;
  accounts: AccountService;
  delivery: DeliveryService;
  /** Seals secrets at rest (legacy API secrets); the app's one codec, so opened values are cached once. */
  secrets?: SecretCodec;
  config: { publicUrl: string; dataDir: string; allowPrivateUrls: boolean; deliveryTimeoutMs: number; legacyTokenTtlSeconds: number } & Parameters<typeof secretKeyOf>[0] & { feedFolderRoot: string | null };
}): Reporting {
  const { storage, clock, config } = deps;
  const reports = new ReportingService(storage, clock, { publicUrl: config.publicUrl });
  // Folder uploads: inside TT_FEED_FOLDER_ROOT when set; without it anywhere in sandbox, nowhere in production.
  const folderRoot = config.feedFolderRoot ?? (config.mode === 'production' ? false : null);
  const checkDestination = config.allowPrivateUrls ? undefined : (url: string) => checkPublicDestination(url, { allowUnresolved: true });
  const feeds = new FeedService(storage, clock, { publicUrl: config.publicUrl, secretKey: secretKeyOf(config), checkDestination, folderRoot });
  const feedAccess = new FeedAccessService(storage, clock, deps.accounts.guard);
  const feedUploads = new FeedUploadService(storage, clock, deps.delivery, feeds, { allowPrivateUrls: config.allowPrivateUrls, timeoutMs: config.deliveryTimeoutMs, folderRoot });
  deps.delivery.registerTransport(FEED_UPLOAD_KIND, feedUploads.transport);
  const legacy = new LegacyApiService(storage, clock, deps.accounts, { publicUrl: config.publicUrl, dataDir: config.dataDir, tokenTtlSeconds: config.legacyTokenTtlSeconds }, deps.secrets ?? new SecretCodec(secretKeyOf(config)));
  return { reports, feeds, feedAccess, feedUploads, legacy };
}
