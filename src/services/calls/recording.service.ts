import type fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { AppError } from '../../domain/errors.ts';
import type { Clock } from '../../domain/clock.ts';
import { newToken } from '../../domain/ids.ts';
import { audioUrl } from '../../domain/report/formats.ts';
import { nextRetryDelaySeconds, RECORDING_RETRY_SCHEDULE } from '../../domain/delivery/retry.ts';
import type { Storage } from '../../storage/database.ts';
import type { CallRow } from '../../storage/calls/telephony.repository.ts';
import type { RecordingStore } from '../../integrations/calls/recording-store.ts';
import type { CallFinalizer } from './call-finalize.service.ts';


/** Recordings: copied from the carrier into our own store as they are announced (retried), and served by token. */
export class RecordingService {
  private readonly repos: Storage['repos']['telephony'];

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly finalizer: CallFinalizer,
    private readonly files: RecordingStore,
    private readonly opts: {
      publicUrl: string;
      /** Downloads a recording's media (the carrier URL without extension; WAV is asked for). */
      fetchMedia: (carrierUrl: string) => Promise<Buffer>;
      log: Pick<Logger, 'info' | 'warn' | 'error'>;
    },
  ) {
    this.repos = storage.repos.telephony;
  }

  /**
   * Copies announced recordings into TT_DATA_DIR/recordings (all due ones, or one call's); returns how many were handled.
   * A recording is `stored` (and its call `has_audio`) only once its file is durably in place: written to a temporary
   * file, fsynced, renamed. A failed download or write keeps the row `pending` with the error, the attempt count and
   * the next attempt's time (retried by the worker on the schedule; `failed` after the last attempt).
   */
  async copyRecordings(call?: { carrier: string; carrierCallId: string }, limit = 20): Promise<number> {
    const now = this.clock.now();
    const due = await this.repos.dueRecordings(this.storage.db, now.toISOString(), limit, call);
    for (const rec of due) {
      let file: string | null = null;
      let error: string | null = null;
      try {
        if (!rec.carrier_url) throw new Error('no recording URL');
        const media = await this.opts.fetchMedia(rec.carrier_url);
        const rel = path.join('recordings', now.toISOString().slice(0, 7), `${rec.id}-${newToken(9)}.wav`);
        await this.files.write(rel, media);
        file = rel;
      } catch (err) {
        error = (err as Error).message || String(err);
      }
      await this.storage.tx(async (tx) => {
        const session = await this.repos.findSession(tx, rec.carrier, rec.carrier_call_id);
        if (file) await this.repos.updateRecording(tx, rec.id, { status: 'stored', path: file, error: null, next_attempt_at: null, updated_at: now.toISOString() });
        else {
          const attempts = rec.attempts + 1;
          const delay = nextRetryDelaySeconds(RECORDING_RETRY_SCHEDULE, attempts);
          const giveUp = delay === null;
          const nextAt = delay === null ? null : new Date(now.getTime() + delay * 1000).toISOString();
          const log = giveUp ? this.opts.log.error.bind(this.opts.log) : this.opts.log.warn.bind(this.opts.log);
          log({ recording: rec.id, carrier_call_id: rec.carrier_call_id, attempts, error, next_attempt_at: nextAt }, giveUp ? 'copying a recording failed for the last time: given up' : 'copying a recording failed; it will be retried');
          await this.repos.updateRecording(tx, rec.id, { status: giveUp ? 'failed' : 'pending', attempts, error, next_attempt_at: nextAt, updated_at: now.toISOString() });
          if (!giveUp) return;
        }
        if (session) await this.finalizer.recompute(tx, session.call_id);
      });
    }
    return due.length;
  }

  /** Copies a call's announced recordings right after the webhook that announced them; a failure is left to the worker's retries. */
  async copyNow(carrier: string, carrierCallId: string): Promise<void> {
    try {
      await this.copyRecordings({ carrier, carrierCallId });
    } catch (err) {
      this.opts.log.warn({ err, carrier, carrier_call_id: carrierCallId }, 'copying a recording right away failed; the worker retries it');
    }
  }

  /** The recordings of a call of one of these accounts, with their copy status (404 when the call is not theirs). */
  async recordingsOfCall(callId: number, clientIds: number[]) {
    const call = Number.isSafeInteger(callId) ? await this.repos.findCall(this.storage.db, callId) : undefined;
    if (!call || !clientIds.includes(Number(call.client_id))) throw new AppError('not_found', `no call ${callId}`);
    const recs = await this.repos.recordingsOfCall(this.storage.db, call.carrier, call.carrier_call_id);
    return {
      call_id: Number(call.id),
      has_audio: !!call.has_audio,
      audio_url: audioUrl(this.opts.publicUrl, call) || null,
      recordings: recs.map((r) => ({
        id: r.id,
        kind: r.kind,
        status: r.status,
        duration: Number(r.duration),
        attempts: Number(r.attempts),
        error: r.error,
        next_attempt_at: r.next_attempt_at,
        updated_at: r.updated_at,
      })),
    };
  }

  /**
   * The recording of a call for a user who reaches its account, by its unguessable token, opened for reading (404
   * otherwise, and when its file is missing: that is logged, as it means the data folder lost it).
   */
  async recordingFile(token: string, clientIds: number[]): Promise<{ handle: fs.FileHandle; size: number; call: CallRow }> {
    const call = /^[A-Za-z0-9_-]{16,64}$/.test(token) ? await this.repos.findCallByAudioToken(this.storage.db, token) : undefined;
    if (!call || !call.has_audio || !call.recording_path || !clientIds.includes(Number(call.client_id))) throw new AppError('not_found', 'no such recording');
    try {
      return { ...(await this.files.open(call.recording_path)), call };
    } catch (err) {
      this.opts.log.error({ call: Number(call.id), file: call.recording_path, error: (err as Error).message }, 'a stored recording’s file cannot be read');
      throw new AppError('not_found', 'the recording’s file is missing');
    }
  }
}
