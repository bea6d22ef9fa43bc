import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePocketsphinxTimes, phrasesOf } from './pocketsphinx.ts';

// Output of `pocketsphinx_continuous -time yes` on a synthesised sentence (Debian's 0.8+5prealpha).
const OUT = `hello thank you for calling
<s> 0.000 0.060 0.999200
hello 0.070 0.400 0.912000
thank 0.410 0.700 0.801000
you 0.710 0.900 0.950000
<sil> 0.910 1.900 0.992726
for 1.910 2.050 0.137652
calling 2.060 2.500 0.623744
[NOISE] 2.510 2.600 0.500000
the(2) 2.610 2.700 0.627097
</s> 2.710 2.800 1.000000
`;

describe('pocketsphinx output', () => {
  it('keeps the words with their times and confidence, without markers or pronunciation numbers', () => {
    const words = parsePocketsphinxTimes(OUT);
    assert.deepEqual(words.map((w) => w.word), ['hello', 'thank', 'you', 'for', 'calling', 'the']);
    assert.deepEqual(words[1], { word: 'thank', startMs: 410, endMs: 700, confidence: 0.801 });
  });

  it('starts a new phrase after a pause', () => {
    const phrases = phrasesOf(parsePocketsphinxTimes(OUT), 'agent');
    assert.deepEqual(phrases, [
      { speaker: 'agent', startMs: 70, endMs: 900, text: 'hello thank you' },
      { speaker: 'agent', startMs: 1910, endMs: 2700, text: 'for calling the' },
    ]);
  });
});
