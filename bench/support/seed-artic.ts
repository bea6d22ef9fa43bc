// An ARTIC call centre's journal for the report benchmark, written straight into a SQLite database that the app has
// migrated: 5 teams, 50 agents (every fifth also in a second team), 5 queues each served by two teams, and N journal
// rows (default 1,000,000) over 30 days from 2026-03-16 (Sydney; the clocks go back on 2026-04-05).
//
// A small simulation keeps the journal plausible: agents work 8-hour shifts (AGENTLOGIN … AGENTLOGOFF) with a short
// break, lunch and another break (PAUSE/UNPAUSE, a pause due during a call starts when the call ends, one due during
// wrap-up cuts it); callers arrive from 08:00 to 18:00 local, wait for the first free agent of the queue's teams,
// ring_all-style missed offers (RINGNOANSWER) come before the answer; callers who wait too long abandon, a queue's
// maximum wait sends them to voicemail (EXITWITHTIMEOUT) or, for the last queue, overflows to a team (OVERFLOW) and
// the caller waits on. ~5 rows a call. Rows go in by one prepared statement in one transaction, a day at a time in
// time order (as the engine appends them).
import SQLite from 'better-sqlite3';
import { DateTime } from 'luxon';
import { newId } from '../../src/domain/ids.ts';

export const ARTIC_SEED = { clientId: 7301, zone: 'Australia/Sydney', firstDay: '2026-03-16', days: 30, agents: 50, teams: 5, queues: 5 } as const;

let rnd = 20260316;
const rand = () => {
  rnd = (rnd + 0x6d2b79f5) | 0;
  let t = Math.imul(rnd ^ (rnd >>> 15), 1 | rnd);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const between = (a: number, b: number) => a + Math.floor(rand() * (b - a + 1));
const point = (i: number) => `+614120${String(10_000 + i)}`;

interface Row {
  at_ms: number;
  entered_ms: number | null;
  call_id: string;
  queue_id: string;
  agent_id: string;
  event: string;
  d: [string, string, string, string, string];
}
interface Agent {
  id: string;
  teams: string[];
  login: number;
  logoff: number;
  pauses: { start: number; end: number; reason: string }[];
  freeAt: number;
}

/** Seeds the account's ARTIC set-up and `n` journal rows; answers what was written. */
export function seedArtic(file: string, n: number): { rows: number; calls: number; from: string; to: string } {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  const { clientId, zone } = ARTIC_SEED;
  const now = new Date('2026-03-01T00:00:00Z').toISOString();
  // Ids as the set-up API makes them (prefix + 22 characters).
  const created = Date.parse(now);
  const teamIds = Array.from({ length: ARTIC_SEED.teams }, (_, i) => newId('atm', created + i));
  const queueIds = Array.from({ length: ARTIC_SEED.queues }, (_, i) => newId('aq', created + 100 + i));
  const agents: Agent[] = Array.from({ length: ARTIC_SEED.agents }, (_, i) => ({ id: newId('agt', created + 200 + i), teams: i % 5 === 4 ? [teamIds[Math.floor(i / 10)], teamIds[(Math.floor(i / 10) + 1) % 5]] : [teamIds[Math.floor(i / 10)]], login: 0, logoff: 0, pauses: [], freeAt: 0 }));
  const wrapupSec = [30, 20, 45, 30, 60];
  const maxWaitSec = 180;
  const journal = db.prepare('insert into artic_journal (id, client_id, at, at_ms, entered_ms, call_id, queue_id, agent_id, event, data1, data2, data3, data4, data5) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  let written = 0;
  let calls = 0;
  const first = DateTime.fromISO(ARTIC_SEED.firstDay, { zone });
  db.transaction(() => {
    teamIds.forEach((id, i) => db.prepare('insert into artic_teams (id, client_id, name, created_at, updated_at) values (?, ?, ?, ?, ?)').run(id, clientId, `Team ${i}`, now, now));
    queueIds.forEach((id, i) => {
      db.prepare(
        `insert into artic_queues (id, client_id, name, strategy, ring_time_sec, max_wait_sec, wrapup_sec, service_level_sec, short_abandon_sec, poll_sec, timezone, overflow, closed_route, created_at, updated_at)
         values (?, ?, ?, 'ring_all', 15, ?, ?, 20, 5, 20, ?, ?, '{"kind":"hangup"}', ?, ?)`,
      ).run(id, clientId, `Queue ${i}`, maxWaitSec, wrapupSec[i], zone, i === 4 ? JSON.stringify({ kind: 'team', team_id: teamIds[0] }) : '{"kind":"voicemail"}', now, now);
      for (const t of [teamIds[i], teamIds[(i + 1) % 5]]) db.prepare('insert into artic_queue_teams (queue_id, team_id) values (?, ?)').run(id, t);
    });
    agents.forEach((a, i) => {
      db.prepare('insert into artic_agents (id, client_id, name, answer_point, created_at, updated_at) values (?, ?, ?, ?, ?, ?)').run(a.id, clientId, `Agent ${i}`, point(i), now, now);
      for (const t of a.teams) db.prepare('insert into artic_agent_teams (agent_id, team_id) values (?, ?)').run(a.id, t);
    });
    // Agent events ≈ 50 agents × 8 a day; each call ≈ 5.1 rows (the last day stops at n rows).
    const callsPerDay = Math.max(1, Math.round((n / ARTIC_SEED.days - ARTIC_SEED.agents * 8) / 4.9));
    for (let day = 0; day < ARTIC_SEED.days && written < n; day++) {
      const midnight = first.plus({ days: day });
      const rows: Row[] = [];
      const at = (h: number, m = 0) => midnight.set({ hour: h, minute: m }).toMillis();
      agents.forEach((a, i) => {
        a.login = at(7 + (i % 4), between(0, 10));
        a.logoff = a.login + 8 * 3_600_000 + between(0, 600) * 1000;
        a.pauses = [
          { start: a.login + 2 * 3_600_000 + between(0, 900) * 1000, end: 0, reason: 'break' },
          { start: a.login + 4 * 3_600_000 + between(0, 900) * 1000, end: 0, reason: 'lunch' },
          { start: a.login + 6 * 3_600_000 + between(0, 900) * 1000, end: 0, reason: i % 7 === 0 ? 'training' : 'break' },
        ];
        for (const p of a.pauses) p.end = p.start + (p.reason === 'lunch' ? 1800 : p.reason === 'training' ? 1200 : 600) * 1000;
        a.freeAt = a.login;
      });
      const open = at(8);
      const span = at(18) - open;
      const freeFrom = (a: Agent, x: number): number | null => {
        let t = Math.max(x, a.freeAt, a.login);
        for (const p of a.pauses) if (t >= p.start && t < p.end) t = p.end;
        return t < a.logoff ? t : null;
      };
      for (let c = 0; c < callsPerDay; c++) {
        const entered = open + Math.floor((c + rand()) * (span / callsPerDay));
        const q = between(0, 4);
        const serving = (teams: string[]) => agents.filter((a) => a.teams.some((t) => teams.includes(t)));
        let candidates = serving([teamIds[q], teamIds[(q + 1) % 5]]);
        const callId = String(++calls);
        const queueId = queueIds[q];
        const caller = `+614${String(10_000_000 + between(0, 89_999_999))}`;
        const pos = String(between(1, 4));
        const ev = (t: number, event: string, agent: string, d: string[] = []) => rows.push({ at_ms: t, entered_ms: entered, call_id: callId, queue_id: queueId, agent_id: agent, event, d: [d[0] ?? '', d[1] ?? '', d[2] ?? '', d[3] ?? '', d[4] ?? ''] });
        ev(entered, 'ENTERQUEUE', 'NONE', ['', caller, pos]);
        const patience = between(2, 400) * 1000;
        let best: { a: Agent; t: number } | null = null;
        for (const a of candidates) {
          const t = freeFrom(a, entered + between(1, 4) * 1000);
          if (t !== null && (!best || t < best.t)) best = { a, t };
        }
        let limit = entered + maxWaitSec * 1000;
        if (best && best.t > limit && q === 4) {
          // Overflow to team_0: the call stays and is offered to that team too, up to a second maximum wait.
          ev(limit, 'OVERFLOW', 'NONE', [`team:${teamIds[0]}`, '', String(maxWaitSec)]);
          candidates = [...candidates, ...serving([teamIds[0]])];
          for (const a of candidates) {
            const t = freeFrom(a, limit);
            if (t !== null && t < best.t) best = { a, t };
          }
          limit += maxWaitSec * 1000;
        }
        const answerAt = best ? best.t : Infinity;
        // ring_all: the other agents logged in and not paused when the call was offered missed it.
        const offeredAt = Math.min(answerAt, entered + patience);
        const missed = candidates.filter((a) => a !== best?.a && freeFrom(a, offeredAt) !== null && a.login <= offeredAt).slice(between(0, 3)).slice(0, between(1, 4));
        if (answerAt > entered + patience && entered + patience < limit) {
          for (const a of missed.slice(0, 2)) ev(entered + patience - 1000, 'RINGNOANSWER', a.id, [String(Math.min(15_000, patience - 1000))]);
          ev(entered + patience, 'ABANDON', 'NONE', ['1', pos, String(patience / 1000)]);
          continue;
        }
        if (answerAt > limit) {
          ev(limit, 'EXITWITHTIMEOUT', 'NONE', ['1', pos, String((limit - entered) / 1000), 'voicemail']);
          continue;
        }
        const a = best!.a;
        const hold = (answerAt - entered) / 1000;
        for (const m of missed) ev(answerAt, 'RINGNOANSWER', m.id, [String(between(2000, 15_000))]);
        ev(answerAt, 'CONNECT', a.id, [String(Math.round(hold)), `CA${callId}`, String(between(1, 8))]);
        const talk = between(30, 420);
        const end = answerAt + talk * 1000;
        ev(end, rand() < 0.6 ? 'COMPLETECALLER' : 'COMPLETEAGENT', a.id, [String(Math.round(hold)), String(talk), pos, String(wrapupSec[q])]);
        // A pause or the log-off due during the call waits for its end.
        for (const p of a.pauses) if (p.start > answerAt && p.start < end) [p.start, p.end] = [end, end + (p.end - p.start)];
        if (a.logoff > answerAt && a.logoff < end) a.logoff = end;
        a.freeAt = end + wrapupSec[q] * 1000;
      }
      agents.forEach((a, i) => {
        const agentEv = (t: number, event: string, d: string[] = []) => rows.push({ at_ms: t, entered_ms: null, call_id: 'NONE', queue_id: 'NONE', agent_id: a.id, event, d: [d[0] ?? '', d[1] ?? '', d[2] ?? '', d[3] ?? '', d[4] ?? ''] });
        agentEv(a.login, 'AGENTLOGIN', [point(i)]);
        for (const p of a.pauses) {
          if (p.start >= a.logoff) continue;
          agentEv(p.start, 'PAUSE', [p.reason]);
          agentEv(Math.min(p.end, a.logoff), 'UNPAUSE', [p.reason, String(Math.round((Math.min(p.end, a.logoff) - p.start) / 1000))]);
        }
        agentEv(a.logoff, 'AGENTLOGOFF', [point(i), String(Math.round((a.logoff - a.login) / 1000))]);
      });
      rows.sort((x, y) => x.at_ms - y.at_ms);
      for (const r of rows) {
        if (written >= n) break;
        journal.run(newId('qev', r.at_ms), clientId, new Date(r.at_ms).toISOString(), r.at_ms, r.entered_ms, r.call_id, r.queue_id, r.agent_id, r.event, ...r.d);
        written++;
      }
    }
  })();
  db.close();
  const last = first.plus({ days: ARTIC_SEED.days });
  return { rows: written, calls, from: first.toUTC().toISO()!, to: last.toUTC().toISO()! };
}
