// Call analysis, the offline engine: pocketsphinx's real-time factor on this machine (seconds of CPU per second of
// audio, user + system of the recogniser's own process, read by /usr/bin/time) and its throughput when two recognisers
// run at once (seconds of audio recognised per wall second: what two analysis workers could do on two cores, before
// the job's own overhead). The audio is speech synthesised by flite (the caller's `rms` voice), resampled as the
// engine does, recognised with the engine's own command line (src/integrations/analysis/pocketsphinx.ts).
// Usage: node --import tsx bench/analysis-rtf.bench.ts [audio seconds=60] [runs=3]
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readWav, resample, writeWav } from '../src/domain/analysis/pcm.ts';
import { pocketsphinxArgs } from '../src/integrations/analysis/pocketsphinx.ts';

const run = promisify(execFile);
const audioSec = Number(process.argv[2] ?? 60);
const runs = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tt-rtf-'));

const LINES = [
  'Hello, I would like to book an appointment for next Tuesday morning if that is possible.',
  'My car has been making a strange noise when I brake, and the warning light came on yesterday.',
  'Could you tell me how much a service costs, and whether you have a loan car available?',
  'Thank you, that sounds good. Please send the confirmation to my email address.',
];
// Synthesise the lines, then repeat them to the asked length.
const parts = LINES.map((t, i) => {
  const f = path.join(dir, `l${i}.wav`);
  execFileSync('flite', ['-voice', 'rms', '-t', t, '-o', f]);
  return readWav(readFileSync(f));
});
const rate = parts[0].rate;
const pause = new Float32Array(Math.round(rate * 0.6));
const chunks: Float32Array[] = [];
let total = 0;
for (let i = 0; total < audioSec * rate; i++) {
  const c = parts[i % parts.length].channels[0];
  chunks.push(c, pause);
  total += c.length + pause.length;
}
const samples = new Float32Array(total);
let at = 0;
for (const c of chunks) {
  samples.set(c, at);
  at += c.length;
}
const file = path.join(dir, 'speech.wav');
writeFileSync(file, writeWav({ rate: 16000, channels: [resample(samples, rate, 16000)] }));
const seconds = total / rate;

async function recognise(): Promise<{ cpu: number; wall: number; words: number }> {
  const t0 = performance.now();
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'CPU %U %S', 'pocketsphinx_continuous', ...pocketsphinxArgs(file)], { maxBuffer: 64 << 20 });
  const wall = (performance.now() - t0) / 1000;
  const m = /CPU (\d+\.\d+) (\d+\.\d+)/.exec(stderr);
  if (!m) throw new Error(`no CPU time in: ${stderr.slice(-300)}`);
  return { cpu: Number(m[1]) + Number(m[2]), wall, words: stdout.trim().split('\n').filter((l) => /^\S+ \d/.test(l)).length };
}

console.log(`audio: ${seconds.toFixed(1)} s of flite speech, 16 kHz mono; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`);
const single: number[] = [];
for (let i = 0; i < runs; i++) {
  const r = await recognise();
  single.push(r.cpu / seconds);
  console.log(`one recogniser: ${r.cpu.toFixed(2)} s CPU, ${r.wall.toFixed(2)} s wall, ${r.words} timed tokens → RTF ${(r.cpu / seconds).toFixed(3)} CPU s per audio s`);
}
single.sort((a, b) => a - b);
console.log(`real-time factor (median of ${runs}): ${single[Math.floor(runs / 2)].toFixed(3)} CPU s per audio s`);
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  await Promise.all([recognise(), recognise()]);
  const wall = (performance.now() - t0) / 1000;
  console.log(`two at once: ${(2 * seconds).toFixed(1)} audio s in ${wall.toFixed(2)} s wall → ${((2 * seconds) / wall).toFixed(1)} audio s per wall s`);
}
rmSync(dir, { recursive: true, force: true });
