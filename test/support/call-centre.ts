import assert from 'node:assert/strict';
import type { App } from '../../src/app.ts';
import type { ManualClock } from '../../src/domain/clock.ts';
import { VirtualTime } from '../../src/telephony/sandbox/virtual-time.ts';
import type { SimResult, SimScript } from '../../src/telephony/sandbox/sandbox-carrier.ts';
import type { AgentAction } from '../../src/services/artic/agent-actions.service.ts';
import type { Principal } from '../../src/services/accounts/principal.ts';
import { liveService } from './calls.ts';

/** A call centre set up through the set-up service (as the API does), and a scripted day run on shared virtual time. */
export class CallCentre {
  readonly time: VirtualTime;
  private readonly tasks: Promise<unknown>[] = [];
  readonly results: SimResult[] = [];
  readonly errors: string[] = [];

  constructor(
    readonly app: App,
    readonly clock: ManualClock,
    readonly clientId: number,
  ) {
    this.time = new VirtualTime(clock);
  }

  private get actor() {
    return { userId: null, name: 'test', via: 'system' as const, viaId: null, address: null };
  }

  async team(name: string): Promise<string> {
    return ((await this.app.articConfig.createTeam(this.clientId, { name }, this.actor)) as { id: string }).id;
  }

  async agent(name: string, answer_point: string, team_ids: string[], extra: Record<string, unknown> = {}): Promise<string> {
    return ((await this.app.articConfig.createAgent(this.clientId, { name, answer_point, team_ids, ...extra }, this.actor)) as { id: string }).id;
  }

  async queue(name: string, team_ids: string[], extra: Record<string, unknown> = {}): Promise<string> {
    return ((await this.app.articConfig.createQueue(this.clientId, { name, team_ids, timezone: 'UTC', ...extra }, this.actor)) as { id: string }).id;
  }

  async menu(name: string, fields: Record<string, unknown>): Promise<string> {
    return ((await this.app.articConfig.createMenu(this.clientId, { name, ...fields }, this.actor)) as { id: string }).id;
  }

  /** A live `queue` service on a new number (through the Telco API and the worker). */
  async number(number: string, target: { artic_queue_id?: string; artic_menu_id?: string }): Promise<string> {
    const svc = await liveService(this.app, this.clientId, number, { type: 'queue', ...target });
    return svc.number;
  }

  private admin(): Principal {
    return { userId: 'admin', username: 'admin', clientIds: [this.clientId], roles: { [this.clientId]: 'owner' } };
  }

  /** At virtual second `at` of the day (from the clock's start), an agent action. */
  action(at: number, agentId: string, action: AgentAction): void {
    const start = this.startMs;
    this.tasks.push(
      this.time.task(async () => {
        await this.time.until(start + at * 1000);
        await this.app.agentActions.act(this.admin(), this.clientId, agentId, action).catch((e) => this.errors.push(`t=${at} ${action.kind} ${agentId}: ${(e as Error).message}`));
      }),
    );
  }

  /** At virtual second `at`, a call played by the sandbox carrier on the shared time. */
  call(at: number, script: Omit<SimScript, 'time' | 'startAt'>): void {
    const start = this.startMs;
    this.tasks.push(
      this.time.task(async () => {
        await this.time.until(start + at * 1000);
        const r = await this.app.sandbox.placeCall({ ...script, time: this.time });
        this.results.push(r);
        if (r.errors.length) this.errors.push(`call at t=${at}: ${r.errors.join('; ')}`);
      }),
    );
  }

  startMs = 0;

  /** Runs everything scheduled; the clock ends at the last event. */
  async run(): Promise<void> {
    await Promise.all(this.tasks);
    this.tasks.length = 0;
    assert.deepEqual(this.errors, []);
  }
}
