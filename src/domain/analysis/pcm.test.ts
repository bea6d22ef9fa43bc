import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readWav, resample, twoChannel, UnreadableAudio, voicedSeconds, writeWav } from './pcm.ts';
import { toneWav } from '../../telephony/sandbox/wav.ts';

const tone = (rate: number, sec: number, hz = 440, amp = 0.5) => Float32Array.from({ length: Math.round(rate * sec) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));

describe('PCM WAV', () => {
  it('reads the sandbox’s 8-bit mono recordings', () => {
    const pcm = readWav(toneWav(3));
    assert.equal(pcm.rate, 8000);
    assert.equal(pcm.channels.length, 1);
    assert.equal(pcm.channels[0].length, 24000);
    assert.ok(voicedSeconds(pcm.channels[0], pcm.rate) > 2.9);
  });

  it('writes and reads back a two-channel 16-bit recording with each line on its own channel', () => {
    const pcm = twoChannel(16000, 4, [
      { channel: 0, atSec: 0.5, samples: tone(16000, 1) },
      { channel: 1, atSec: 2, samples: tone(16000, 1.5, 300) },
    ]);
    const back = readWav(writeWav(pcm));
    assert.equal(back.rate, 16000);
    assert.equal(back.channels.length, 2);
    assert.equal(back.channels[0].length, 64000);
    assert.ok(Math.abs(voicedSeconds(back.channels[0], 16000) - 1) < 0.05);
    assert.ok(Math.abs(voicedSeconds(back.channels[1], 16000) - 1.5) < 0.05);
    assert.ok(Math.abs(back.channels[1][2 * 16000 + 100] - pcm.channels[1][2 * 16000 + 100]) < 1e-4);
  });

  it('grows a recording to hold a line that runs past its end', () => {
    assert.equal(twoChannel(8000, 1, [{ channel: 1, atSec: 0.5, samples: tone(8000, 2) }]).channels[0].length, 20000);
  });

  it('resamples 8 kHz to 16 kHz keeping the duration and the waveform', () => {
    const up = resample(tone(8000, 1, 200), 8000, 16000);
    assert.equal(up.length, 16000);
    assert.ok(Math.abs(up[1000] - 0.5 * Math.sin((2 * Math.PI * 200 * 1000) / 16000)) < 0.01);
  });

  it('refuses what it cannot read with a reason', () => {
    assert.throws(() => readWav(Buffer.from('not audio at all')), (e: unknown) => e instanceof UnreadableAudio && /not a WAV/.test(e.message));
    const float = writeWav({ rate: 8000, channels: [tone(8000, 0.1)] });
    float.writeUInt16LE(3, 20); // IEEE float
    assert.throws(() => readWav(float), /unsupported WAV encoding/);
    assert.throws(() => readWav(writeWav({ rate: 8000, channels: [tone(8000, 0.1)] }).subarray(0, 36)), /no data/);
  });
});
