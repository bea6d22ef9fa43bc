import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { parseNumber } from '../../../domain/phone.ts';
import { BundleSource, esbuildInMemory, etagMatches, sourceStamp, webDir } from '../../web-bundles.ts';

// ---- the bundle of web/aa (the website script), built in memory with esbuild from the sources -----------------------

export { etagMatches } from '../../web-bundles.ts';

export interface ScriptBundle {
  /** Minified JavaScript. */
  js: Buffer;
  /** The same, gzip-compressed (level 9): what a browser asking for gzip downloads. */
  gzip: Buffer;
  /** Strong validator of the bytes. */
  etag: string;
  /** Source files and their modification times the bundle was built from. */
  stamp: string;
}

/** Bundles and minifies web/aa/aa.ts for browsers (one IIFE, no dependencies). */
export async function buildScript(dir = webDir('aa', 'aa.ts')): Promise<ScriptBundle> {
  const stamp = await sourceStamp(dir);
  const result = await esbuildInMemory({
    entryPoints: [path.join(dir, 'aa.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2017', 'chrome64', 'firefox67', 'safari12'],
    platform: 'browser',
    legalComments: 'none',
  });
  const js = Buffer.from(result.outputFiles[0].contents);
  return { js, gzip: zlib.gzipSync(js, { level: 9 }), etag: `"${createHash('sha256').update(js).digest('base64url').slice(0, 22)}"`, stamp };
}

/** The script as served: built on the first request, and again whenever a source file of web/aa changed. */
export class ScriptSource extends BundleSource<ScriptBundle> {
  constructor(dir = webDir('aa', 'aa.ts')) {
    super(() => sourceStamp(dir), () => buildScript(dir));
  }
}

// ---- the routes -----------------------------------------------------------------------------------------------------

/** What the demo page shows of a tracking code. */
export interface DemoTrackingCode {
  client_id: number;
  tracking_code: number;
  name: string;
  replace: string[];
}

/** The part of the app these routes use: the config (the demo page exists in sandbox mode) and the tracking codes. */
export type DniScriptRoutesDeps = Pick<App, 'config' | 'dniCodes'>;

export const SCRIPT_CACHE_CONTROL = 'public, max-age=300';

/** GET /aa.js (the website script) and, in sandbox mode, the demo page that loads it as a customer's page does. */
export async function dniScriptRoutes(fastify: FastifyInstance, opts: { app: DniScriptRoutesDeps; source?: ScriptSource }) {
  const { app } = opts;
  const source = opts.source ?? new ScriptSource();

  fastify.get(
    '/aa.js',
    {
      schema: {
        tags: ['DNI'],
        summary: 'The website script (Dynamic Number Insertion)',
        description:
          'The script a website loads to show each visitor a tracking number: set `window.AvanserOptions = {clientId, trackingCode}`, then add `<script async id="AVANSERjs" src="…/aa.js">`. Public and cacheable (`Cache-Control: public, max-age=300`, an `ETag` answered with 304 on `If-None-Match`), gzip-compressed for clients that accept it, `Access-Control-Allow-Origin: *`. It defines `window.$AA.getNumber(pageNumber?)` (a Promise that always resolves to `{trackingCode, isDefault, number, text}`) and `window.AvanserCore`.',
        response: { 200: { description: 'JavaScript', type: 'string' }, 304: { description: 'Not modified', type: 'null' } },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const b = await source.get();
      reply
        .header('cache-control', SCRIPT_CACHE_CONTROL)
        .header('etag', b.etag)
        .header('vary', 'accept-encoding')
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin');
      if (etagMatches(request.headers['if-none-match'], b.etag)) return reply.status(304).send();
      reply.type('text/javascript; charset=utf-8');
      if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(b.gzip);
      return reply.send(b.js);
    },
  );

  if (app.config.mode !== 'sandbox') return;

  fastify.get(
    '/sandbox/dni-demo',
    {
      schema: {
        tags: ['Sandbox'],
        summary: 'A demo web page that loads the DNI script (sandbox mode only)',
        description:
          'A plain page showing the tracking code’s business number in several formats and as `tel:` links, which then loads `/aa.js` exactly as a customer’s page does (sets `window.AvanserOptions`, appends the script after the page has loaded) and shows what `$AA.getNumber()` resolved. Its origin is Telltale’s own, which sandbox mode always allows. Tracking codes are numbered per account, so the page takes the account too.',
        querystring: {
          type: 'object',
          properties: {
            tracking_code: { type: 'integer', minimum: 1, maximum: 2147483647, description: 'The tracking code to demonstrate.' },
            client_id: { type: 'integer', minimum: 1, maximum: 2147483647, description: 'Its account.' },
          },
          required: ['tracking_code', 'client_id'],
          additionalProperties: false,
        },
        response: { 200: { description: 'HTML', type: 'string' } },
      },
    },
    async (request, reply) => {
      const q = request.query as { tracking_code: number; client_id: number };
      const found = await app.dniCodes.get(q.client_id, q.tracking_code);
      const nonce = randomBytes(16).toString('base64');
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', demoCsp(nonce))
        .header('referrer-policy', 'no-referrer')
        .send(demoPage(found, nonce));
    },
  );
}

/** The demo page runs only its own nonce'd script and Telltale's /aa.js, and talks only to Telltale. */
export function demoCsp(nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}' 'self'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The written forms the demo shows of a business number (national and international, grouped and not). */
export function demoForms(e164: string): string[] {
  const p = parseNumber(e164);
  if (!p) return [e164];
  const nsn = p.nationalNumber;
  const cc = p.e164.slice(1, p.e164.length - nsn.length);
  // The trunk 0 is written before the NSN, except for Australia's 13/1300/1800 numbers.
  const national = cc === '61' && nsn.startsWith('1') ? nsn : '0' + nsn;
  const groups = (s: string, sizes: number[]) => {
    const out: string[] = [];
    let i = 0;
    for (const n of sizes) if (i < s.length) out.push(s.slice(i, (i += n)));
    if (i < s.length) out.push(s.slice(i));
    return out.join(' ');
  };
  const forms = [national, groups(national, [4, 3, 3]), `+${cc} ${groups(nsn, nsn.length === 9 ? [3, 3, 3] : [4, 3, 3])}`, `${cc}${nsn}`];
  if (national.length === 10 && national.startsWith('0')) forms.splice(2, 0, `(${national.slice(0, 2)}) ${groups(national.slice(2), [4, 4])}`);
  return forms;
}

function demoPage(tc: DemoTrackingCode, nonce: string): string {
  const business = tc.replace[0] ?? '';
  const forms = demoForms(business);
  const items = forms.map((f) => `<li><span class="n">${esc(f)}</span></li>`).join('\n      ');
  const options = JSON.stringify({ clientId: tc.client_id, trackingCode: tc.tracking_code }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Telltale DNI demo: tracking code ${tc.tracking_code}</title>
  <style nonce="${nonce}">
    body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; padding: 0 1rem; color: #1b1f24; }
    h1 { font-size: 1.4rem; } .n { font-weight: 600; font-size: 1.15rem; } pre { background: #f3f4f6; padding: .75rem; }
    .muted { color: #57606a; font-size: .9rem; } input { font: inherit; padding: .2rem .4rem; }
  </style>
</head>
<body>
  <h1>${esc(tc.name)} <span class="muted">(tracking code ${tc.tracking_code}, account ${tc.client_id})</span></h1>
  <p>The business number, as a page might write it. Once <code>/aa.js</code> has run, each shows this visitor's tracking number in the same style.</p>
  <ul id="forms">
      ${items}
  </ul>
  <p>Links: <a id="tel" href="tel:${esc(business)}">call (tel:)</a> · <a id="tel2" href="tel://${esc(forms[0])}">call (tel://)</a></p>
  <p>A form field keeps what the visitor typed: <input id="field" value="${esc(forms[0])}" aria-label="phone"></p>
  <p><button id="later" type="button">Add the number again (content added later)</button></p>
  <div id="added"></div>
  <h2>$AA.getNumber()</h2>
  <pre id="result">waiting for /aa.js…</pre>
  <p class="muted">The script keeps the visitor in a first-party cookie (<code>tt_dni_vid</code>) and the lease alive while this page is open.</p>
  <script nonce="${nonce}">
    window.addEventListener('load', function () {
      window.AvanserOptions = ${options};
      var s = document.createElement('script');
      s.async = true;
      s.id = 'AVANSERjs';
      s.src = location.origin + '/aa.js';
      s.onload = function () {
        window.$AA.getNumber().then(function (o) {
          document.getElementById('result').textContent = JSON.stringify(o, null, 2);
        });
      };
      s.onerror = function () { document.getElementById('result').textContent = '/aa.js did not load'; };
      document.body.appendChild(s);
      document.getElementById('later').addEventListener('click', function () {
        var p = document.createElement('p');
        p.textContent = 'Added later: call ' + ${JSON.stringify(forms[1] ?? forms[0])};
        document.getElementById('added').appendChild(p);
      });
    });
  </script>
</body>
</html>
`;
}
