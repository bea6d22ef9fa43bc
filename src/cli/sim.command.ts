import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import type { Config } from '../config/config.ts';

export const SIM_USAGE = `  sim call --to NUMBER --from NUMBER [--answer-after S] [--talk S]
           [--outcome answered|busy|no-answer|failed|caller-hangup] [--digits D] [--voicemail S]
           [--duplicate] [--late] [--server URL] [--user U --password P] [--json]
                                 Place a sandbox call through a running server; prints the call id and final status
           [--hang-up-after S] [--hangs-up caller|agent]
  sim sms --to NUMBER --from NUMBER --text T [--server URL] [--user U --password P] [--json]
  sim phone --number NUMBER --outcome answered|no-answer|busy|failed [--answer-after S] [--server URL]
                                 How the running sandbox plays an agent's phone on every call
  sim day FILE --client-id N [--start ISO] [--json]
                                 Run a scripted call-centre day (phones, agent actions, calls) on a virtual
                                 clock in this process, on the configured database; prints the queue journal`;

export class SimUsageError extends Error {}

function credentials(config: Config, user: unknown, password: unknown): string {
  if (typeof user === 'string' || typeof password === 'string') {
    if (typeof user !== 'string' || typeof password !== 'string') throw new SimUsageError('give both --user and --password');
    return `${user}:${password}`;
  }
  const file = path.join(config.dataDir, 'demo-credentials');
  if (!fs.existsSync(file)) throw new SimUsageError(`no --user/--password given and ${file} does not exist (it is written when the demo account is seeded)`);
  return fs.readFileSync(file, 'utf8').trim();
}

const int = (v: unknown, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new SimUsageError(`${flag} must be a whole number of seconds`);
  return Number(v);
};

/** `telltale sim call|sms`: drives the sandbox carrier of a running server over its HTTP API. Returns the exit code. */
export async function simCommand(config: Config, sub: string | undefined, argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        to: { type: 'string' },
        from: { type: 'string' },
        'answer-after': { type: 'string' },
        talk: { type: 'string' },
        outcome: { type: 'string' },
        digits: { type: 'string' },
        voicemail: { type: 'string' },
        duplicate: { type: 'boolean' },
        late: { type: 'boolean' },
        text: { type: 'string' },
        number: { type: 'string' },
        'hang-up-after': { type: 'string' },
        'hangs-up': { type: 'string' },
        server: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new SimUsageError((err as Error).message);
  }
  const v = parsed.values;
  if (sub !== 'call' && sub !== 'sms' && sub !== 'phone') throw new SimUsageError(`unknown command "sim ${sub ?? ''}" (sim call, sms, phone or day)`);
  const server = (v.server ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`).replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(credentials(config, v.user, v.password)).toString('base64')}`;
  if (sub === 'phone') return phone(server, auth, v, out);
  if (!v.to) throw new SimUsageError('--to is required');
  if (!v.from) throw new SimUsageError('--from is required');
  let url: string;
  let body: Record<string, unknown>;
  if (sub === 'call') {
    url = `${server}/sandbox/v1/calls`;
    body = {
      to: v.to,
      from: v.from,
      answer_after: int(v['answer-after'], '--answer-after'),
      talk: int(v.talk, '--talk'),
      outcome: v.outcome,
      digits: v.digits,
      voicemail: int(v.voicemail, '--voicemail'),
      duplicate: v.duplicate,
      late: v.late,
      hang_up_after: int(v['hang-up-after'], '--hang-up-after'),
      hangs_up: v['hangs-up'],
    };
  } else {
    if (v.text === undefined) throw new SimUsageError('--text is required');
    url = `${server}/sandbox/v1/sms`;
    body = { to: v.to, from: v.from, text: v.text };
  }
  body = Object.fromEntries(Object.entries(body).filter(([, x]) => x !== undefined));
  let res;
  try {
    res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body), headersTimeout: 60_000, bodyTimeout: 60_000 });
  } catch (err) {
    console.error(`Cannot reach ${server}: ${(err as Error).message}. Is \`npx telltale serve\` running (in sandbox mode)?`);
    return 1;
  }
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below
  }
  if (res.statusCode !== 200) {
    if (res.statusCode === 404 && !json.code) console.error(`${url} does not exist: is the server in sandbox mode (TT_MODE=sandbox)?`);
    else console.error(`Error ${res.statusCode} (${String(json.code ?? 'error')}): ${String(json.detail ?? text)}`);
    return 1;
  }
  if (sub === 'sms') {
    out(v.json ? JSON.stringify(json) : json.stored ? `SMS ${String(json.message_id)} stored as ${String(json.sms_id)}.` : `SMS ${String(json.message_id)} was not stored (carrier answered ${String(json.status)}).`);
    return json.stored ? 0 : 1;
  }
  const sim = json.sim as { errors?: string[]; trace?: string[] } | undefined;
  if (v.json) {
    const { sim: _s, ...rest } = json;
    out(JSON.stringify({ ...rest, carrier_status: (json.sim as { carrier_status?: string })?.carrier_status, errors: sim?.errors ?? [] }));
  } else if (json.call_id === null) {
    out(`The call was not taken (${String(json.state)}).`);
  } else {
    out(
      `Call ${String(json.call_id)} (${String(json.unique_id)}): ${String(json.status)} (code ${String(json.status_code)}, ${String(json.disposition)}), ${String(json.duration)} s, connection ${String(json.connection_duration)} s, talk ${String(json.talk_duration)} s${json.has_audio ? ', with a recording' : ''}; ${String(json.state)}.`,
    );
    for (const line of sim?.trace ?? []) out(`  ${line}`);
    for (const e of sim?.errors ?? []) console.error(`  carrier error: ${e}`);
  }
  return sim?.errors?.length ? 1 : 0;
}

/** `sim phone`: sets how the running sandbox plays an answer point (an agent's phone). */
async function phone(server: string, auth: string, v: Record<string, unknown>, out: (line: string) => void): Promise<number> {
  if (typeof v.number !== 'string') throw new SimUsageError('--number is required');
  if (typeof v.outcome !== 'string') throw new SimUsageError('--outcome is required');
  const body = { outcome: v.outcome, ...(v['answer-after'] !== undefined ? { answer_after: int(v['answer-after'], '--answer-after') } : {}) };
  let res;
  try {
    res = await request(`${server}/sandbox/v1/phones/${encodeURIComponent(v.number)}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
  } catch (err) {
    console.error(`Cannot reach ${server}: ${(err as Error).message}. Is \`npx telltale serve\` running (in sandbox mode)?`);
    return 1;
  }
  const json = (await res.body.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.statusCode !== 200) {
    console.error(`Error ${res.statusCode} (${String(json.code ?? 'error')}): ${String(json.detail ?? '')}`);
    return 1;
  }
  out(`Phone ${String(json.answer_point)}: ${String(json.outcome)}${json.outcome === 'answered' ? ` after ${String(json.answer_after)} s` : ''}.`);
  return 0;
}
