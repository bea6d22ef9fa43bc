import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, cleanEnv, run, withApp } from '../support/cli.ts';
import { makeAccount } from '../support/app.ts';
import { CallCentre } from '../support/call-centre.ts';
import { ManualClock } from '../../src/domain/clock.ts';

describe('telltale sim day (a scripted call-centre day from the CLI)', () => {
  it('plays the phones, agent actions and calls of a JSON file on a virtual clock and prints the journal it wrote', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-simday-'));
    try {
      const settings = { TT_DATA_DIR: dir };
      await withApp(settings, async (app) => {
        await makeAccount(app, 9400);
        const cc = new CallCentre(app, new ManualClock(), 9400);
        const team = await cc.team('Support');
        await cc.agent('Ann', '+61400009401', [team]);
        await cc.agent('Bob', '+61400009402', [team]);
        const q = await cc.queue('Support', [team], { ring_time_sec: 10, max_wait_sec: 60, wrapup_sec: 0, poll_sec: 1, announce_position: false });
        await cc.number('+61290009401', { artic_queue_id: q });
      });
      const file = path.join(dir, 'day.json');
      fs.writeFileSync(
        file,
        JSON.stringify({
          phones: { '+61400009401': { outcome: 'answered', answer_after: 2 }, '+61400009402': { outcome: 'no-answer' } },
          events: [
            { at: 0, agent: 'Ann', action: 'login' },
            { at: 0, agent: 'Bob', action: 'login' },
            { at: 5, call: { to: '+61290009401', from: '+61390009401', talk: 40, hangs_up: 'caller' } },
            { at: 6, call: { to: '+61290009401', from: '+61390009402', hang_up_after: 15 } },
            { at: 100, agent: 'Bob', action: 'pause', reason: 'lunch' },
            { at: 200, agent: 'Nobody', action: 'login' },
          ],
        }),
      );
      const r = await run(process.execPath, [BIN, 'sim', 'day', file, '--client-id', '9400', '--start', '2026-03-02T09:00:00Z', '--json'], cleanEnv(settings));
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { calls: unknown[]; refused: string[]; journal: { at: string; event: string; data1: string; data3: string }[] };
      assert.equal(out.calls.length, 2);
      assert.deepEqual(out.refused, ['t=200 login Nobody: no such agent']);
      const ev = out.journal.map((j) => `${j.at.slice(11, 19)} ${j.event}`);
      // Ann takes the first call at 09:00:05 (rings 2 s); Bob misses the second (rings 10 s), Ann is busy, the caller gives up at 15 s.
      assert.deepEqual(ev, [
        '09:00:00 AGENTLOGIN',
        '09:00:00 AGENTLOGIN',
        '09:00:05 ENTERQUEUE',
        '09:00:06 ENTERQUEUE',
        '09:00:07 CONNECT',
        '09:00:16 RINGNOANSWER',
        '09:00:21 ABANDON',
        '09:00:47 COMPLETECALLER',
        '09:01:40 PAUSE',
      ]);
      assert.equal(out.journal.find((j) => j.event === 'ABANDON')!.data3, '15');
      const bad = await run(process.execPath, [BIN, 'sim', 'day', file], cleanEnv(settings));
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--client-id is required/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
