import { isRole } from './domain/accounts/roles.ts';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parse as parseCsv } from 'csv-parse';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { createApp, type App } from './app.ts';
import { AppError } from './domain/errors.ts';
import { buildServer } from './http/server.ts';
import { seedDemo } from './services/accounts/demo.service.ts';
import { DataFolderError, migrate, openStorage, prepareDataDir } from './storage/database.ts';
import { secretKeyOf } from './config/secret-key.ts';
import { SecretCodec } from './domain/accounts/secret-box.ts';
import type { NumberRecordIn } from './services/inventory/inventory.service.ts';
import { simCommand, SimUsageError, SIM_USAGE } from './cli/sim.command.ts';
import { simDayCommand } from './cli/sim-day.command.ts';
import { dniCommand, DniUsageError, DNI_USAGE } from './cli/dni.command.ts';

const USAGE = `Usage: telltale <command> [options]

  serve [--no-worker]            Run the HTTP API and the background workers (API only with --no-worker)
  work                           Run the background workers only
  migrate                        Bring the database schema up to date
  account create --client-id N --name S [--timezone Z] [--auto-test-call]
  account show --client-id N [--json]
  account rotate-secret --client-id N
  user create --username U --password P --client-id N [--client-id M …] [--role owner|admin|analyst|read_only]
  numbers import FILE.csv [--private-for N]
                                 CSV with a 'number' column and optional 'class', 'sms', 'country'
  stock-policy set --client-id N --country CC --class C --policy PUBLIC|PRIVATE|STRICT_PRIVATE
  inventory rules --client-id N [--quarantine-days D] [--quiet-days D] [--noise-threshold N]
                  [--recycle-on-request true|false] [--json]
                                 Show or set the recycling rules of a private inventory
  inventory report --client-id N [--json]
  inventory sweep                Release quarantined numbers that the rules allow now
${SIM_USAGE}
${DNI_USAGE}
  feed create --client-id N --auth basic|digest|ip [--username U --password P] [--allow CIDR …] [--name S]
              [--upload-kind http_put|sftp|folder --upload-target T --upload-time HH:MM [--upload-format csv|json|xml]
               [--upload-username U --upload-password P [--upload-host-key SHA256:…]]] [--json]
                                 Create a data feed; --json prints its id and url
  feed list --client-id N [--json]
  legacy-key create --client-id N [--account-id LOGIN] [--json]
                                 Credentials for the legacy JSON API (account_id, api_key, secret)

Configuration comes from TT_* environment variables: see config.example.env.`;

class UsageError extends Error {}

function args(argv: string[], options: ParseArgsConfig['options']): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function requiredInt(v: unknown, flag: string): number {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new UsageError(`${flag} must be a whole number`);
  return Number(v);
}

function optionalInt(v: unknown, flag: string): number | undefined {
  return v === undefined ? undefined : requiredInt(v, flag);
}

function requiredString(v: unknown, flag: string): string {
  if (typeof v !== 'string' || v === '') throw new UsageError(`${flag} is required`);
  return v;
}

/** Runs one CLI command; returns the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 78;
    }
    throw err;
  }
  try {
    switch (command) {
      case 'serve':
        return await serve(config, [sub, ...rest].filter(Boolean) as string[], true);
      case 'work':
        return await serve(config, ['--no-api'], false);
      case 'migrate': {
        const storage = openStorage(config);
        try {
          const applied = await migrate(storage, { secrets: new SecretCodec(secretKeyOf(config)) });
          console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The schema is up to date.');
        } finally {
          await storage.close();
        }
        return 0;
      }
      case 'sim':
        return sub === 'day' ? await simDayCommand(config, rest) : await simCommand(config, sub, rest);
      case 'dni':
        return await withApp(config, (app) => dniCommand(app, sub, rest));
      default:
        return await withApp(config, (app) => admin(app, command, sub, rest));
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof SimUsageError || err instanceof DniUsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof AppError) {
      console.error(`Error (${err.code}): ${err.message}`);
      return 1;
    }
    if (err instanceof DataFolderError) {
      // One line that names the folder and the cause; 73 is sysexits' EX_CANTCREAT.
      console.error(`Error: ${err.message}`);
      return 73;
    }
    throw err;
  }
}

async function withApp(config: Config, fn: (app: App) => Promise<number>): Promise<number> {
  const app = await createApp({ ...config, logLevel: 'warn' });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

async function admin(app: App, command: string, sub: string | undefined, rest: string[]): Promise<number> {
  const key = `${command} ${sub ?? ''}`.trim();
  switch (key) {
    case 'account create': {
      const { values } = args(rest, { 'client-id': { type: 'string' }, name: { type: 'string' }, timezone: { type: 'string' }, 'auto-test-call': { type: 'boolean' }, json: { type: 'boolean' } });
      const a = await app.accounts.createAccount({ clientId: requiredInt(values['client-id'], '--client-id'), name: requiredString(values.name, '--name'), timezone: values.timezone as string | undefined, autoTestCall: !!values['auto-test-call'] });
      console.log(values.json ? JSON.stringify(a) : `Created account ${a.client_id} "${a.name}" (${a.timezone}).`);
      return 0;
    }
    case 'account show': {
      const { values } = args(rest, { 'client-id': { type: 'string' }, json: { type: 'boolean' } });
      const clientId = requiredInt(values['client-id'], '--client-id');
      const a = await app.accounts.showAccount(clientId);
      if (values.json) console.log(JSON.stringify(a));
      else {
        console.log(`Account ${a.client_id}: ${a.name}\n  time zone:      ${a.timezone}\n  users:          ${a.users.join(', ') || '(none)'}\n  auto test call: ${a.auto_test_call ? 'on' : 'off'}\n  webhook secret: ${a.webhook_secret}\n  created:        ${a.created_at}`);
      }
      return 0;
    }
    case 'account rotate-secret': {
      const { values } = args(rest, { 'client-id': { type: 'string' } });
      console.log(await app.accounts.rotateWebhookSecret(requiredInt(values['client-id'], '--client-id')));
      return 0;
    }
    case 'user create': {
      const { values } = args(rest, { username: { type: 'string' }, password: { type: 'string' }, 'client-id': { type: 'string', multiple: true }, role: { type: 'string' }, json: { type: 'boolean' } });
      const ids = ((values['client-id'] as string[] | undefined) ?? []).map((v) => requiredInt(v, '--client-id'));
      if (!ids.length) throw new UsageError('--client-id is required (repeat it for an agency user)');
      const role = (values.role as string | undefined) ?? 'owner';
      if (!isRole(role)) throw new UsageError('--role must be owner, admin, analyst or read_only');
      const u = await app.accounts.createUser({ username: requiredString(values.username, '--username'), password: requiredString(values.password, '--password'), clientIds: ids, role });
      console.log(values.json ? JSON.stringify(u) : `Created user ${u.username} (${u.role}) reaching account${ids.length > 1 ? 's' : ''} ${u.client_ids.join(', ')}.`);
      return 0;
    }
    case 'stock-policy set': {
      const { values } = args(rest, { 'client-id': { type: 'string' }, country: { type: 'string' }, class: { type: 'string' }, policy: { type: 'string' } });
      const clientId = requiredInt(values['client-id'], '--client-id');
      await app.inventory.setStockPolicy(clientId, requiredString(values.country, '--country'), requiredString(values.class, '--class'), requiredString(values.policy, '--policy'));
      console.log(`Stock policy of account ${clientId} for ${String(values.country).toUpperCase()} ${String(values.class).toUpperCase()}: ${String(values.policy).toUpperCase()}.`);
      return 0;
    }
    case 'inventory rules': {
      const { values } = args(rest, {
        'client-id': { type: 'string' },
        'quarantine-days': { type: 'string' },
        'quiet-days': { type: 'string' },
        'noise-threshold': { type: 'string' },
        'recycle-on-request': { type: 'string' },
        json: { type: 'boolean' },
      });
      const clientId = requiredInt(values['client-id'], '--client-id');
      const recycle = values['recycle-on-request'];
      if (recycle !== undefined && !['true', 'false'].includes(recycle as string)) throw new UsageError('--recycle-on-request must be true or false');
      const patch = {
        quarantineDays: optionalInt(values['quarantine-days'], '--quarantine-days'),
        quietDays: optionalInt(values['quiet-days'], '--quiet-days'),
        noiseThreshold: optionalInt(values['noise-threshold'], '--noise-threshold'),
        recycleOnRequest: recycle === undefined ? undefined : recycle === 'true',
      };
      const changed = Object.values(patch).some((v) => v !== undefined);
      const rules = changed ? await app.inventory.setInventoryRules(clientId, patch) : await app.inventory.privateRules(app.storage.db, clientId);
      if (values.json) console.log(JSON.stringify(rules));
      else console.log(`Private inventory rules of account ${clientId}: quarantine ${rules.quarantineDays} days, quiet period ${rules.quietDays} days, noise threshold ${rules.noiseThreshold}, recycle on request ${rules.recycleOnRequest ? 'allowed' : 'not allowed'}.`);
      return 0;
    }
    case 'inventory report': {
      const { values } = args(rest, { 'client-id': { type: 'string' }, json: { type: 'boolean' } });
      const r = await app.inventory.report(requiredInt(values['client-id'], '--client-id'));
      if (values.json) console.log(JSON.stringify(r));
      else {
        console.log(`Private inventory: ${r.total} numbers, ${(r.utilisation * 100).toFixed(1)} % in use`);
        for (const [state, n] of Object.entries(r.by_state)) console.log(`  ${state.padEnd(12)} ${n}`);
        console.log(`  noise calls on quarantined numbers: ${r.noise_calls_on_quarantined}`);
      }
      return 0;
    }
    case 'feed create': {
      const { values } = args(rest, {
        'client-id': { type: 'string' },
        auth: { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        allow: { type: 'string', multiple: true },
        name: { type: 'string' },
        'upload-kind': { type: 'string' },
        'upload-target': { type: 'string' },
        'upload-time': { type: 'string' },
        'upload-format': { type: 'string' },
        'upload-username': { type: 'string' },
        'upload-password': { type: 'string' },
        'upload-host-key': { type: 'string' },
        json: { type: 'boolean' },
      });
      const clientId = requiredInt(values['client-id'], '--client-id');
      const upload = values['upload-kind']
        ? {
            kind: values['upload-kind'] as 'http_put' | 'sftp' | 'folder',
            target: requiredString(values['upload-target'], '--upload-target'),
            time: requiredString(values['upload-time'], '--upload-time'),
            format: values['upload-format'] as 'csv' | 'json' | 'xml' | undefined,
            username: values['upload-username'] as string | undefined,
            password: values['upload-password'] as string | undefined,
            host_key: values['upload-host-key'] as string | undefined,
          }
        : null;
      const feed = await app.reporting.feeds.createFeed(clientId, {
        auth: requiredString(values.auth, '--auth') as 'basic' | 'digest' | 'ip',
        username: values.username as string | undefined,
        password: values.password as string | undefined,
        allow: values.allow as string[] | undefined,
        name: values.name as string | undefined,
        upload,
      });
      if (values.json) console.log(JSON.stringify(feed));
      else console.log(`Created feed ${feed.id} (${feed.auth}) for account ${clientId}:\n  ${feed.url}\n  also ${feed.urls.year}, ${feed.urls.month}, ${feed.urls.day}${feed.upload ? `\n  daily upload (${feed.upload.kind}) at ${feed.upload.time}, next ${feed.upload.next_at}` : ''}`);
      return 0;
    }
    case 'feed list': {
      const { values } = args(rest, { 'client-id': { type: 'string' }, json: { type: 'boolean' } });
      const list = await app.reporting.feeds.listFeeds(requiredInt(values['client-id'], '--client-id'));
      if (values.json) console.log(JSON.stringify(list));
      else for (const f of list) console.log(`${f.id}  ${f.auth.padEnd(6)}  ${f.url}`);
      return 0;
    }
    case 'legacy-key create': {
      const { values } = args(rest, { 'client-id': { type: 'string' }, 'account-id': { type: 'string' }, json: { type: 'boolean' } });
      const k = await app.reporting.legacy.createKey(requiredInt(values['client-id'], '--client-id'), values['account-id'] as string | undefined);
      if (values.json) console.log(JSON.stringify(k));
      else console.log(`Legacy JSON API credentials for account ${k.client_id}:\n  account_id: ${k.account_id}\n  api_key:    ${k.api_key}\n  secret:     ${k.secret}`);
      return 0;
    }
    case 'inventory sweep': {
      const { released, held } = await app.inventory.sweep();
      console.log(`Released ${released.length} number(s); ${held.length} still too noisy.`);
      return 0;
    }
    default:
      if (command === 'numbers' && sub === 'import') return importNumbers(app, rest);
      throw new UsageError(`unknown command "${key}"`);
  }
}

async function importNumbers(app: App, rest: string[]): Promise<number> {
  const { values, positionals } = args(rest, { 'private-for': { type: 'string' }, json: { type: 'boolean' } });
  const file = positionals[0];
  if (!file) throw new UsageError('numbers import needs a CSV file');
  if (!fs.existsSync(file)) throw new UsageError(`${file} does not exist`);
  const privateFor = optionalInt(values['private-for'], '--private-for');
  const tty = process.stderr.isTTY && !values.json;
  const total = tty ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).length - 1 : 0;
  const headerErrors: string[] = [];
  const parser = fs.createReadStream(file).pipe(
    parseCsv({
      columns: (header: string[]) => {
        const cols = header.map((h) => h.trim().toLowerCase());
        if (!cols.includes('number')) headerErrors.push(`the header has no "number" column (found: ${cols.join(', ')})`);
        return cols;
      },
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
    }),
  );
  async function* records(): AsyncGenerator<NumberRecordIn> {
    for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (headerErrors.length) return;
      yield { line: rec.info.lines, number: rec.record.number, class: rec.record.class, sms: rec.record.sms, country: rec.record.country };
    }
  }
  const bar = (done: number) => {
    if (!tty || total <= 0) return;
    const width = 30;
    const filled = Math.min(width, Math.round((done / total) * width));
    process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
  };
  const result = await app.inventory.importNumbers(records(), { privateFor, onProgress: bar });
  if (tty && total > 0) process.stderr.write('\n');
  if (headerErrors.length) {
    console.error(`Error: ${headerErrors.join('; ')}`);
    return 1;
  }
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`Imported ${result.inserted} number(s) into ${privateFor ? `the private inventory of account ${privateFor}` : 'public stock'}.`);
    if (result.duplicates.length) console.log(`${result.duplicates.length} already in the inventory (skipped): ${result.duplicates.slice(0, 10).map((d) => `line ${d.line} ${d.number}`).join(', ')}${result.duplicates.length > 10 ? ', …' : ''}`);
    for (const e of result.errors) console.error(`line ${e.line}: ${e.message}`);
  }
  return result.errors.length ? 1 : 0;
}

async function serve(config: Config, flags: string[], api: boolean): Promise<number> {
  const unknown = flags.filter((f) => f !== '--no-worker' && f !== '--no-api');
  if (unknown.length) throw new UsageError(`unknown option ${unknown.join(' ')}`);
  const withWorker = !flags.includes('--no-worker');
  // Listen for the stop signals before announcing readiness: a SIGTERM that arrives right after the "running"
  // line would otherwise find no handler and kill the process without a graceful shutdown.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // Recordings (and, on SQLite, the database) live in the data folder: refuse to start, clearly, when it is unusable.
  prepareDataDir(config.dataDir);
  const app = await createApp(config);
  if (api && config.mode === 'sandbox' && config.demo) {
    const seeded = await seedDemo({ accounts: app.accounts, inventory: app.inventory, dataDir: config.dataDir });
    if (seeded) {
      console.log(
        `\nSeeded a demo account on this empty database:\n  account (client_id): ${seeded.clientId}\n  user:     ${seeded.username}\n  password: ${seeded.password}\n  (also in ${config.dataDir}/demo-credentials)\n  sandbox stock: ${seeded.numbers} numbers\n`,
      );
    }
  }
  const server = api ? await buildServer(app) : null;
  if (server) {
    await server.listen({ host: config.host, port: config.port });
    app.log.info({ url: config.publicUrl, database: app.storage.dialect, mode: config.mode, worker: withWorker }, 'telltale listening');
    const base = `http://${config.host}:${(server.server.address() as { port: number }).port}`;
    console.log(`Telltale is running on ${base} (${app.storage.dialect}, ${config.mode} mode). Portal: ${base}/ · API docs: ${base}/docs`);
    const demoFile = path.join(config.dataDir, 'demo-credentials');
    if (config.mode === 'sandbox' && config.demo && fs.existsSync(demoFile)) console.log(`Demo sign-in (username:password): ${demoFile}`);
  } else {
    app.log.info({ database: app.storage.dialect }, 'telltale worker running');
  }
  if (withWorker) app.worker.start();
  await stopped;
  await server?.close();
  await app.close();
  return 0;
}
