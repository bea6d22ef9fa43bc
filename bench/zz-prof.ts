import fs from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../src/config/config.ts';
import { createApp } from '../src/app.ts';
const seeded = JSON.parse(fs.readFileSync('/tmp/artic-scratch/d2/artic-seed.json', 'utf8'));
const app = await createApp(loadConfig({ TT_DATA_DIR: '/tmp/artic-scratch/d2', TT_LOG_LEVEL: 'silent', TT_DEMO: '0' }), { log: pino({ level: 'silent' }) });
for (let i = 0; i < 4; i++) {
  const c = process.cpuUsage(); const t = performance.now();
  await app.articReports.historical(7301, { from: seeded.from, to: seeded.to, group: process.argv[2] ?? 'agent', interval: process.argv[3] ?? 'day' });
  const u = process.cpuUsage(c);
  console.log('wall', (performance.now() - t).toFixed(0), 'cpu', ((u.user + u.system) / 1000).toFixed(0));
}
await app.close();
