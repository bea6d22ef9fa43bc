import { DateTime } from 'luxon';
import type { Clock } from '../../domain/clock.ts';
import { FEED_CONTENT_TYPES, type FeedFormat } from '../../domain/report/feed-output.ts';
import { nextLocalTime } from '../../domain/report/report-time.ts';
import type { OutboundPolicy, OutboundResult } from '../../integrations/delivery/http-sender.ts';
import { HostKeyMismatch, putToUrl, uploadSftp, writeToFolder, type FeedFile } from '../../integrations/reporting/feed-destinations.ts';
import { SecretBoxError } from '../../domain/accounts/secret-box.ts';
import type { Storage } from '../../storage/database.ts';
import type { DeliveryRow } from '../../storage/delivery/delivery.repository.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import * as feeds from '../../storage/reporting/feed.repository.ts';
import type { DeliveryService } from '../delivery/delivery.service.ts';
import type { FeedService } from './feed.service.ts';

export const FEED_UPLOAD_KIND = 'feed_upload';

/**
 * The daily upload of a feed: at the feed's local upload time, the previous local day is scheduled once (the
 * `feed_uploads` key) as a delivery of kind `feed_upload`, which the delivery engine sends through `transport`
 * (leases, retries, dead-lettering and the delivery log come with it).
 */
export class FeedUploadService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly delivery: DeliveryService,
    private readonly feedService: FeedService,
    /**
     * folderRoot: where folder uploads may write (TT_FEED_FOLDER_ROOT), null: anywhere (sandbox), false: nowhere.
     * outbound: the outbound address policy's resolver and classifier (tests inject theirs; default the real ones).
     */
    private readonly opts: { allowPrivateUrls: boolean; timeoutMs: number; folderRoot?: string | null | false; outbound?: OutboundPolicy },
  ) {}

  /** Schedules every due day of every feed (catching up missed days one by one); returns how many were queued. */
  async runDue(): Promise<number> {
    let queued = 0;
    for (;;) {
      const now = this.clock.now();
      const due = await feeds.dueUploads(this.storage.db, now.toISOString(), 50);
      if (due.length === 0) return queued;
      for (const f of due) queued += await this.scheduleOne(f, now);
    }
  }

  private async scheduleOne(f: feeds.FeedRow, now: Date): Promise<number> {
    return this.storage.tx(async (tx) => {
      const current = await feeds.findFeed(tx, f.id);
      if (!current?.upload_next_at || current.upload_next_at > now.toISOString() || !current.upload_kind) return 0;
      const account = await accounts.findAccount(tx, Number(current.client_id));
      const zone = account?.timezone ?? 'UTC';
      const at = new Date(current.upload_next_at);
      const day = DateTime.fromJSDate(at, { zone }).minus({ days: 1 }).toFormat('yyyy-MM-dd');
      const format = (current.upload_format ?? 'csv') as FeedFormat;
      let n = 0;
      const target = this.destinationText(current, day, format);
      const deliveryId = await this.delivery.enqueue(tx, { clientId: Number(current.client_id), kind: FEED_UPLOAD_KIND, subjectId: current.id, method: 'POST', url: target, body: JSON.stringify({ feed_id: current.id, day, format }) });
      if (await feeds.claimUploadDay(tx, { feed_id: current.id, day, delivery_id: deliveryId, created_at: now.toISOString() })) n = 1;
      else throw new AlreadyScheduled();
      await feeds.updateFeed(tx, current.id, { upload_next_at: nextLocalTime(zone, current.upload_time ?? '00:00', at).toISOString(), updated_at: now.toISOString() });
      return n;
    }).catch(async (err) => {
      if (!(err instanceof AlreadyScheduled)) throw err;
      // Another worker scheduled this day: just move this feed's clock on.
      const account = await accounts.findAccount(this.storage.db, Number(f.client_id));
      await feeds.updateFeed(this.storage.db, f.id, { upload_next_at: nextLocalTime(account?.timezone ?? 'UTC', f.upload_time ?? '00:00', new Date(f.upload_next_at!)).toISOString() });
      return 0;
    });
  }

  private fileName(day: string, format: FeedFormat): string {
    return `calls-${day}.${format}`;
  }

  /** The destination as the delivery log shows it (no password). */
  private destinationText(f: feeds.FeedRow, day: string, format: FeedFormat): string {
    const target = (f.upload_target ?? '').replace(/\{date\}/g, day);
    if (f.upload_kind === 'folder') return `file://${target.replace(/\/+$/, '')}/${this.fileName(day, format)}`;
    if (f.upload_kind === 'sftp') {
      const u = new URL(target);
      u.username = f.upload_username ?? '';
      u.password = '';
      return `${u.toString().replace(/\/+$/, '')}/${this.fileName(day, format)}`;
    }
    return target.endsWith('/') ? target + this.fileName(day, format) : target;
  }

  /** The delivery engine's transport for `feed_upload`: renders the day's feed and sends it to the destination. */
  transport = async (d: DeliveryRow, ctx?: { signal: AbortSignal }): Promise<OutboundResult> => {
    const signal = ctx?.signal;
    const { feed_id, day, format } = JSON.parse(d.body ?? '{}') as { feed_id: string; day: string; format: FeedFormat };
    const f = await this.feedService.feedById(feed_id);
    if (!f || !f.upload_kind) return { kind: 'refused', error: `feed ${feed_id} no longer exists or has no upload` };
    const [y, m, dd] = day.split('-').map(Number);
    const filter = await this.feedService.feedFilter(f, { period: 'day', year: y, month: m, day: dd, format }, {});
    const file: FeedFile = { name: this.fileName(day, format), contentType: FEED_CONTENT_TYPES[format], content: () => this.feedService.content(f, filter, format) };
    const target = (f.upload_target ?? '').replace(/\{date\}/g, day);
    if (f.upload_kind === 'folder') return writeToFolder(target, file, { root: this.opts.folderRoot ?? null, timeoutMs: this.opts.timeoutMs, signal });
    let password: string | null;
    try {
      password = await this.feedService.uploadPassword(f);
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      // Nothing is sent: the key is missing or not the one the password was stored with.
      return { kind: 'transport_error', error: `upload password of feed ${f.id} cannot be decrypted: ${err.message}; set TT_SECRET_KEY to the key it was stored with, or create the feed again with its password` };
    }
    if (f.upload_kind === 'http_put') {
      const basic = f.upload_username ? { username: f.upload_username, password: password ?? '' } : null;
      return putToUrl(target, file, { allowPrivateUrls: this.opts.allowPrivateUrls, timeoutMs: this.opts.timeoutMs, basic, outbound: this.opts.outbound, signal });
    }
    return uploadSftp(new URL(target), file, {
      username: f.upload_username ?? '',
      password: password ?? '',
      timeoutMs: this.opts.timeoutMs,
      outbound: this.opts.allowPrivateUrls ? null : (this.opts.outbound ?? {}),
      signal,
      // Configured by the user, or pinned by an earlier upload (trust on first use).
      hostKey: f.upload_host_key,
      firstUse: async (fingerprint) => {
        const pinned = await feeds.pinUploadHostKey(this.storage.db, f.id, fingerprint, this.clock.now().toISOString());
        // Another upload of this feed pinned a different key in the meantime: this server is not that one.
        if (pinned !== fingerprint) throw new HostKeyMismatch(`host key mismatch: ${new URL(target).host} presented ${fingerprint}, expected ${pinned ?? '(none)'}; not uploading`);
      },
    });
  };

  listUploads(feedId: string) {
    return feeds.listUploads(this.storage.db, feedId);
  }
}

class AlreadyScheduled extends Error {}
