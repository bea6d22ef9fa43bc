/**
 * PCM WAV audio for call analysis: reading a recording (8- or 16-bit PCM, any channel count, any rate), taking one
 * channel out at the rate a recogniser wants, and writing two-channel recordings (caller left, agent right, as
 * carriers' dual-channel recordings are laid out). Samples are kept as Float32 in −1 … +1.
 */

export interface Pcm {
  rate: number;
  /** One array per channel, all the same length. */
  channels: Float32Array[];
}

/** Why a buffer is not a recording this module can read (the analysis job's "unreadable audio" state). */
export class UnreadableAudio extends Error {}

/** Reads a RIFF/WAVE PCM file; walks the chunks, so `LIST` or `fact` chunks before `data` are skipped. */
export function readWav(buf: Buffer): Pcm {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new UnreadableAudio('not a WAV file');
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  for (let at = 12; at + 8 <= buf.length; ) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new UnreadableAudio('the WAV format chunk is cut short');
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new UnreadableAudio('the WAV data comes before its format');
      // WAVE_FORMAT_EXTENSIBLE (0xfffe) carries PCM too; its sub-format is not checked beyond the sample size.
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || (fmt.bits !== 8 && fmt.bits !== 16)) throw new UnreadableAudio(`unsupported WAV encoding (format ${fmt.format}, ${fmt.bits} bits): 8- or 16-bit PCM is read`);
      if (!fmt.channels || !fmt.rate) throw new UnreadableAudio('the WAV format names no channel or no rate');
      const bytes = fmt.bits / 8;
      const end = Math.min(buf.length, body + size);
      const frames = Math.floor((end - body) / (bytes * fmt.channels));
      const channels = Array.from({ length: fmt.channels }, () => new Float32Array(frames));
      for (let f = 0; f < frames; f++) {
        for (let c = 0; c < fmt.channels; c++) {
          const o = body + (f * fmt.channels + c) * bytes;
          channels[c][f] = bytes === 1 ? (buf[o] - 128) / 128 : buf.readInt16LE(o) / 32768;
        }
      }
      return { rate: fmt.rate, channels };
    }
    at = body + size + (size % 2);
  }
  throw new UnreadableAudio('the WAV file has no data');
}

/** Writes 16-bit PCM WAV, the channels interleaved. */
export function writeWav(pcm: Pcm): Buffer {
  const n = pcm.channels.length;
  const frames = n ? pcm.channels[0].length : 0;
  const size = frames * n * 2;
  const buf = Buffer.alloc(44 + size);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + size, 4);
  buf.write('WAVE', 8);
  buf.write('fmt ', 12);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(n, 22);
  buf.writeUInt32LE(pcm.rate, 24);
  buf.writeUInt32LE(pcm.rate * n * 2, 28);
  buf.writeUInt16LE(n * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(size, 40);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < n; c++) buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(pcm.channels[c][f] * 32768))), 44 + (f * n + c) * 2);
  }
  return buf;
}

/** One channel at another rate (linear interpolation; enough for speech recognition at 8 → 16 kHz). */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples;
  const out = new Float32Array(Math.floor((samples.length * to) / from));
  for (let i = 0; i < out.length; i++) {
    const x = (i * from) / to;
    const j = Math.floor(x);
    const a = samples[j] ?? 0;
    const b = samples[j + 1] ?? a;
    out[i] = a + (b - a) * (x - j);
  }
  return out;
}

/** The seconds of audio in a channel louder than `threshold` RMS over 20 ms windows (a speech-time measure). */
export function voicedSeconds(samples: Float32Array, rate: number, threshold = 0.02): number {
  const win = Math.max(1, Math.round(rate / 50));
  let voiced = 0;
  for (let s = 0; s < samples.length; s += win) {
    let sum = 0;
    const end = Math.min(samples.length, s + win);
    for (let i = s; i < end; i++) sum += samples[i] * samples[i];
    if (Math.sqrt(sum / (end - s)) >= threshold) voiced += end - s;
  }
  return voiced / rate;
}

/** A line placed in a two-channel recording: its speaker's channel, its start (s), its audio (mono at `rate`). */
export interface PlacedLine {
  channel: 0 | 1;
  atSec: number;
  samples: Float32Array;
}

/** A two-channel recording of `seconds` (longer when a line runs past it) with each line on its channel. */
export function twoChannel(rate: number, seconds: number, lines: readonly PlacedLine[]): Pcm {
  const frames = Math.max(Math.round(seconds * rate), ...lines.map((l) => Math.round(l.atSec * rate) + l.samples.length));
  const channels = [new Float32Array(frames), new Float32Array(frames)];
  for (const l of lines) channels[l.channel].set(l.samples, Math.round(l.atSec * rate));
  return { rate, channels };
}
