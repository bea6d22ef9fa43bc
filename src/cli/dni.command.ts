import { parseArgs } from 'node:util';
import type { App } from '../app.ts';
import { parseRuleText, type SourceRule } from '../domain/dni/rules.ts';
import { CLI_ACTOR } from '../services/accounts/audit.service.ts';

export const DNI_USAGE = `  dni create --client-id N --name S --replace NUMBER [--replace NUMBER …] [--pool SERVICE_ID,…]
             [--rule 'utm_source=google:SERVICE_ID' …] [--origin URL …] [--hold-minutes M] [--fallback SERVICE_ID] [--json]
                                 Create a website tracking code (DNI); --json prints tracking_code and the HTML snippet
  dni list [--client-id N] [--json]`;

export class DniUsageError extends Error {}

function int(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new DniUsageError(`${flag} must be a whole number`);
  return Number(v);
}

/** `telltale dni create|list`: tracking codes, on the database directly (like the other admin commands). */
export async function dniCommand(app: App, sub: string | undefined, argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        'client-id': { type: 'string' },
        name: { type: 'string' },
        replace: { type: 'string', multiple: true },
        pool: { type: 'string', multiple: true },
        rule: { type: 'string', multiple: true },
        origin: { type: 'string', multiple: true },
        'hold-minutes': { type: 'string' },
        'cooldown-minutes': { type: 'string' },
        'cookie-days': { type: 'string' },
        fallback: { type: 'string' },
        country: { type: 'string' },
        json: { type: 'boolean' },
      },
    }).values as typeof values;
  } catch (err) {
    throw new DniUsageError((err as Error).message);
  }
  if (sub === 'create') {
    const clientId = int(values['client-id'], '--client-id');
    if (clientId === undefined) throw new DniUsageError('--client-id is required');
    if (typeof values.name !== 'string' || !values.name) throw new DniUsageError('--name is required');
    const replace = (values.replace as string[] | undefined) ?? [];
    if (!replace.length) throw new DniUsageError('--replace is required (the business number the page shows; repeat it for several)');
    const pool = ((values.pool as string[] | undefined) ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
    const rules: SourceRule[] = ((values.rule as string[] | undefined) ?? []).map((r) => parseRuleText(r));
    const code = await app.dniCodes.create(
      clientId,
      {
        name: values.name,
        replace,
        country: values.country as string | undefined,
        origins: (values.origin as string[] | undefined) ?? [],
        rules,
        pool,
        fallback_service_id: (values.fallback as string | undefined) ?? null,
        hold_minutes: int(values['hold-minutes'], '--hold-minutes'),
        cooldown_minutes: int(values['cooldown-minutes'], '--cooldown-minutes'),
        cookie_days: int(values['cookie-days'], '--cookie-days'),
      },
      CLI_ACTOR,
    );
    if (values.json) out(JSON.stringify(code));
    else {
      out(`Created tracking code ${code.tracking_code} "${code.name}" for account ${code.client_id}: replaces ${code.replace.join(', ')}; ${code.rules.length} source rule(s), pool of ${code.pool.length}, fallback ${code.fallback_number}; hold ${code.hold_minutes} min.`);
      out(code.origins.length ? `Allowed origins: ${code.origins.join(', ')}` : code.any_origin ? 'Allowed origins: any (sandbox mode, none listed)' : 'Allowed origins: none yet (production): add them through the UserAPI (PATCH /userapi/v1/dni/{tracking_code})');
      out(`Paste before </body>:\n${code.snippet}`);
    }
    return 0;
  }
  if (sub === 'list') {
    const clientId = int(values['client-id'], '--client-id');
    const ids = clientId !== undefined ? [clientId] : (await app.storage.db.selectFrom('dni_tracking_codes').select('client_id').distinct().orderBy('client_id').execute()).map((r) => Number(r.client_id));
    const list = (await Promise.all(ids.map((id) => app.dniCodes.list(id)))).flat();
    if (values.json) out(JSON.stringify(list));
    else if (!list.length) out('No tracking codes.');
    else for (const c of list) out(`${String(c.client_id).padEnd(8)} ${String(c.tracking_code).padEnd(5)} ${c.name}  replaces ${c.replace.join(', ')}  pool ${c.pool.length}  rules ${c.rules.length}  fallback ${c.fallback_number}`);
    return 0;
  }
  throw new DniUsageError(`unknown command "dni ${sub ?? ''}" (dni create or dni list)`);
}
