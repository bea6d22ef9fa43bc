/** Small WAV files for the sandbox carrier's recordings: 8 kHz, 8-bit, mono, a quiet 440 Hz tone. */
export function toneWav(seconds: number): Buffer {
  const rate = 8000;
  const n = Math.max(0, Math.min(600, Math.round(seconds))) * rate;
  const buf = Buffer.alloc(44 + n);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n, 4);
  buf.write('WAVE', 8);
  buf.write('fmt ', 12);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate, 28); // byte rate
  buf.writeUInt16LE(1, 32); // block align
  buf.writeUInt16LE(8, 34); // bits per sample
  buf.write('data', 36);
  buf.writeUInt32LE(n, 40);
  for (let i = 0; i < n; i++) buf[44 + i] = 128 + Math.round(24 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return buf;
}

/** Reads the duration of a PCM WAV (seconds), or null when it is not one. */
export function wavDurationSec(buf: Buffer): number | null {
  if (buf.length < 44 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  const byteRate = buf.readUInt32LE(28);
  const size = buf.readUInt32LE(40);
  return byteRate ? size / byteRate : null;
}
