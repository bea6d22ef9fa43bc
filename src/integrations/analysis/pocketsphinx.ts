import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resample, writeWav } from '../../domain/analysis/pcm.ts';
import type { Phrase, Speaker } from '../../domain/analysis/sentiment.ts';

const run = promisify(execFile);

/** Debian's pocketsphinx-en-us model (16 kHz US English). */
export const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us';
const RATE = 16000;

/** One recognised word with its place in the audio (ms) and the recogniser's posterior probability (0 … 1). */
export interface RecognisedWord {
  word: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

/**
 * Parses `pocketsphinx_continuous -time yes` output: a line of text per utterance, then one `word start end prob` line
 * per word (seconds). Markers (`<s>`, `</s>`, `<sil>`, `[NOISE]`, `++…++`) are dropped and alternate pronunciations
 * (`the(2)`) lose their suffix.
 */
export function parsePocketsphinxTimes(out: string): RecognisedWord[] {
  const words: RecognisedWord[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(line.trim());
    if (!m || /^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(m[1])) continue;
    words.push({ word: m[1].replace(/\(\d+\)$/, ''), startMs: Math.round(Number(m[2]) * 1000), endMs: Math.round(Number(m[3]) * 1000), confidence: Number(m[4]) });
  }
  return words;
}

/** Groups one speaker's words into phrases, a new phrase after a pause of `gapMs` or more. */
export function phrasesOf(words: readonly RecognisedWord[], speaker: Speaker, gapMs = 700): Phrase[] {
  const phrases: Phrase[] = [];
  for (const w of words) {
    const last = phrases[phrases.length - 1];
    if (last && w.startMs - last.endMs < gapMs) {
      last.text += ` ${w.word}`;
      last.endMs = w.endMs;
    } else phrases.push({ speaker, startMs: w.startMs, endMs: w.endMs, text: w.word });
  }
  return phrases;
}

/** The recogniser's command line for one 16 kHz mono WAV file (word times on; the log discarded). */
export function pocketsphinxArgs(file: string, model = POCKETSPHINX_MODEL): string[] {
  return ['-infile', file, '-time', 'yes', '-hmm', path.join(model, 'en-us'), '-lm', path.join(model, 'en-us.lm.bin'), '-dict', path.join(model, 'cmudict-en-us.dict'), '-logfn', '/dev/null'];
}

/**
 * Recognises one channel of a recording offline (resampled to 16 kHz for the model). Runs the recogniser as a child
 * process, so the CPU work is off the JavaScript thread; `timeoutMs` bounds it.
 */
export async function recogniseChannel(samples: Float32Array, rate: number, opts: { model?: string; timeoutMs?: number } = {}): Promise<RecognisedWord[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tt-asr-'));
  try {
    const file = path.join(dir, 'channel.wav');
    await writeFile(file, writeWav({ rate: RATE, channels: [resample(samples, rate, RATE)] }));
    const { stdout } = await run('pocketsphinx_continuous', pocketsphinxArgs(file, opts.model), { timeout: opts.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
    return parsePocketsphinxTimes(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
