import { randomBytes } from 'node:crypto';
import { toneWav } from './wav.ts';

/** A carrier id: the prefix and 32 random hex digits. */
export const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** A recording sid that carries its duration, so any process can serve the media without shared state. */
export function recordingSid(durationSec: number): string {
  return `RE${durationSec.toString(16).padStart(8, '0')}${randomBytes(12).toString('hex')}`;
}

export function recordingDurationOf(recSid: string): number | null {
  const m = /^RE([0-9a-f]{8})[0-9a-f]{24}$/.exec(recSid);
  return m ? parseInt(m[1], 16) : null;
}

/** The sandbox's recording media (WAV), or null when the sid is not one of its recordings. */
export function sandboxRecordingWav(recSid: string): Buffer | null {
  const d = recordingDurationOf(recSid);
  return d === null ? null : toneWav(d);
}
