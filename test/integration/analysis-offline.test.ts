// Call analysis on real audio: lines synthesised by Debian's flite (two voices), laid out as a two-channel recording
// (caller left, agent right), recognised offline by pocketsphinx channel by channel, then scored and matched against
// a keyword rule. Skipped, with the reason, where flite or pocketsphinx is not installed (.ci/run installs them).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readWav, twoChannel, writeWav, type PlacedLine } from '../../src/domain/analysis/pcm.ts';
import { analyseSentiment } from '../../src/domain/analysis/sentiment.ts';
import { matchKeywordRules } from '../../src/domain/analysis/keywords.ts';
import { phrasesOf, recogniseChannel } from '../../src/integrations/analysis/pocketsphinx.ts';

function missing(): string | false {
  for (const bin of ['flite', 'pocketsphinx_continuous']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return `${bin} is not installed (apt-get install -y flite pocketsphinx pocketsphinx-en-us)`;
    }
  }
  return false;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'tt-speech-'));
let n = 0;
/** A line spoken by flite: `rms` for the caller, `slt` for the agent. */
function say(channel: 0 | 1, atSec: number, text: string): PlacedLine {
  const file = path.join(dir, `${n++}.wav`);
  execFileSync('flite', ['-voice', channel === 0 ? 'rms' : 'slt', '-t', text, '-o', file]);
  const pcm = readWav(readFileSync(file));
  assert.equal(pcm.rate, 16000);
  return { channel, atSec, samples: pcm.channels[0] };
}

async function transcribe(lines: PlacedLine[]) {
  const rec = readWav(writeWav(twoChannel(16000, 1, lines)));
  const [caller, agent] = await Promise.all(rec.channels.map((c) => recogniseChannel(c, rec.rate)));
  return [...phrasesOf(caller, 'caller'), ...phrasesOf(agent, 'agent')].sort((a, b) => a.startMs - b.startMs);
}

describe('offline analysis of a two-channel recording', { skip: missing() }, () => {
  it('a polite call: key words heard, positive, the caller talks most, the Lead rule matches', async () => {
    const phrases = await transcribe([
      say(1, 0, 'Hello, thank you for calling.'),
      say(0, 3, 'Hello, I would like to book an appointment for Tuesday please. That would be wonderful, thank you so much.'),
      say(1, 12, 'Great.'),
    ]);
    const words = phrases.map((p) => p.text).join(' ');
    for (const w of ['appointment', 'tuesday', 'calling']) assert.match(words, new RegExp(`\\b${w}\\b`), words);
    const s = analyseSentiment(phrases);
    assert.ok(s.score! > 0, `score ${s.score}: ${words}`);
    assert.equal(s.talkMost, 'caller');
    assert.equal(s.profanityUsed, false);
    const hits = matchKeywordRules([{ id: 1, phrases: ['booked', 'appointment'], speaker: 'caller', action: { kind: 'label', label: 'Lead' } }], phrases);
    assert.deepEqual(hits.map((h) => h.ruleId), [1]);
    assert.equal(phrases.find((p) => p.speaker === 'agent' && /calling/.test(p.text))!.startMs < 3000, true);
  });

  it('a rude call: negative, a bad attitude, the agent talks most', async () => {
    const phrases = await transcribe([
      say(0, 0, 'Where is my refund?'),
      say(1, 2, 'This is terrible. I hate this awful service. What the hell do you want from me, you are useless.'),
    ]);
    const s = analyseSentiment(phrases);
    const words = phrases.map((p) => `${p.speaker}: ${p.text}`).join(' | ');
    assert.ok(s.score! < 0, `score ${s.score}: ${words}`);
    assert.ok(s.agent! < 0, `agent ${s.agent}: ${words}`);
    assert.equal(s.talkMost, 'agent');
    assert.equal(s.badAttitude, true, words);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
