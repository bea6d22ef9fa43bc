import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createApp } from '../app.ts';
import { buildServer } from '../http/server.ts';
import type { Config } from '../config/config.ts';
import { ManualClock } from '../domain/clock.ts';
import { checkScenario, runScenario } from '../services/artic/scenario.ts';
import { SimUsageError } from './sim.command.ts';

/**
 * `telltale sim day FILE --client-id N`: runs a scripted call-centre day (services/artic/scenario.ts) in this process,
 * on the configured database and sandbox carrier, on a virtual clock that starts at `--start` (default: as many
 * seconds before now as the script lasts, so the day ends about now) and moves only as the script does. Prints each
 * call's outcome and the queue journal the day wrote.
 */
export async function simDayCommand(config: Config, argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { 'client-id': { type: 'string' }, start: { type: 'string' }, json: { type: 'boolean' } } });
  } catch (err) {
    throw new SimUsageError((err as Error).message);
  }
  const file = parsed.positionals[0];
  if (!file) throw new SimUsageError('sim day needs the scenario file (JSON)');
  const clientId = Number(parsed.values['client-id']);
  if (!Number.isInteger(clientId) || clientId < 1) throw new SimUsageError('--client-id is required (the account whose call centre runs the day)');
  if (config.mode !== 'sandbox') throw new SimUsageError('sim day runs on the sandbox carrier: TT_MODE must be sandbox');
  let scenario;
  try {
    scenario = checkScenario(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    console.error(`${file}: ${(err as Error).message}`);
    return 1;
  }
  const length = Math.max(0, ...scenario.events.map((e) => e.at)) + 3600;
  const start = parsed.values.start ? new Date(parsed.values.start) : new Date(Math.floor((Date.now() - length * 1000) / 1000) * 1000);
  if (Number.isNaN(start.getTime())) throw new SimUsageError('--start must be an ISO 8601 time');
  const clock = new ManualClock(start);
  const app = await createApp({ ...config, logLevel: 'warn' }, { clock });
  // The carrier's requests go through this process's own routes (in-process), on the virtual clock.
  const server = await buildServer(app);
  await server.ready();
  try {
    const run = await runScenario({ sandbox: app.sandbox, agentActions: app.agentActions, agentsOf: (c) => app.articConfig.listAgents(c) }, clock, clientId, scenario);
    await app.worker.drain();
    const journal = await app.storage.db.selectFrom('artic_journal').selectAll().where('client_id', '=', clientId).where('at', '>=', run.startedAt).where('at', '<=', run.endedAt).orderBy('at_ms').orderBy('id').execute();
    if (parsed.values.json) {
      out(JSON.stringify({ started_at: run.startedAt, ended_at: run.endedAt, calls: run.calls.map((c) => ({ carrier_call_id: c.callSid, carrier_status: c.carrierStatus, seconds: c.totalSec, errors: c.errors })), refused: run.refused, journal }));
    } else {
      out(`Day from ${run.startedAt} to ${run.endedAt}: ${run.calls.length} calls.`);
      for (const r of run.refused) out(`  refused: ${r}`);
      for (const j of journal) out(`  ${j.at} ${j.event.padEnd(15)} queue=${j.queue_id} agent=${j.agent_id} call=${j.call_id} ${[j.data1, j.data2, j.data3, j.data4, j.data5].join('|')}`);
    }
    return run.calls.some((c) => c.errors.length) ? 1 : 0;
  } finally {
    await server.close();
    await app.close();
  }
}
