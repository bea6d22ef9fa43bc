import { createHash } from 'node:crypto';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BundleSource, esbuildInMemory, etagMatches, sourceStamp, webDir } from '../../web-bundles.ts';

// The portal: a Preact app in web/portal, bundled in memory by esbuild (on the first request, and again when a source
// changes) into one script and one stylesheet, each served under a content-hashed name with a year's caching. Every
// page of the portal is the same small HTML shell; the app reads the path and asks the public APIs (with the session
// cookie) for everything it shows, so the shell itself holds no account data.

export interface PortalAsset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
}

export interface PortalBundle {
  /** `/portal/app.<hash>.js`, `/portal/app.<hash>.css` and the script's chunks `/portal/chunk.<hash>.js` → their bytes. */
  assets: Map<string, PortalAsset>;
  script: string;
  stylesheet: string;
  stamp: string;
}

const hash = (b: Buffer) => createHash('sha256').update(b).digest('base64url').slice(0, 16);

function asset(body: Buffer, type: string): PortalAsset {
  return { body, gzip: zlib.gzipSync(body, { level: 9 }), type, etag: `"${hash(body)}"` };
}

/** Bundles web/portal/main.tsx (Preact, JSX) and the CSS it imports, minified, for current browsers. */
export async function buildPortal(dir = webDir('portal', 'main.tsx')): Promise<PortalBundle> {
  const stamp = await sourceStamp(dir, true);
  const result = await esbuildInMemory({
    entryPoints: [path.join(dir, 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    outdir: path.join(dir, 'out'),
    // Code that only some pages need (the chart library) goes in chunks loaded when first used.
    splitting: true,
    entryNames: 'app.[hash]',
    chunkNames: 'chunk.[hash]',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const assets = new Map<string, PortalAsset>();
  let script = '';
  let stylesheet = '';
  for (const f of result.outputFiles) {
    const body = Buffer.from(f.contents);
    const name = `/portal/${path.basename(f.path)}`;
    if (f.path.endsWith('.js')) {
      // Names carry esbuild's content hash, which the entry's imports of its chunks use too.
      if (path.basename(f.path).startsWith('app.')) script = name;
      assets.set(name, asset(body, 'text/javascript; charset=utf-8'));
    } else if (f.path.endsWith('.css')) {
      stylesheet = name;
      assets.set(name, asset(body, 'text/css; charset=utf-8'));
    }
  }
  if (!script) throw new Error('the portal build produced no script');
  return { assets, script, stylesheet, stamp };
}

export class PortalSource extends BundleSource<PortalBundle> {
  constructor(dir = webDir('portal', 'main.tsx')) {
    super(() => sourceStamp(dir, true), () => buildPortal(dir));
  }
}

/** The portal's pages (the app routes between them in the browser); every other path stays the APIs'. */
export const PORTAL_PAGES = ['/', '/login', '/invite', '/calls', '/calls/*', '/numbers', '/numbers/*', '/deliveries', '/call-centre', '/call-centre/*', '/data-feeds', '/tracking', '/tracking/*', '/users', '/subscriptions', '/settings'] as const;

/** The shell loads only its own script and stylesheet (no inline script or style) and talks only to Telltale (media: recordings). */
export const PORTAL_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Whether a path is one of the portal's public documents (the shell and its assets: no account data). */
export function isPortalDocument(url: string): boolean {
  const p = url.split('?')[0];
  return p.startsWith('/portal/');
}

function shell(b: PortalBundle, mode: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="telltale-mode" content="${mode}">
<title>Telltale</title>
<link rel="icon" href="data:,">
${b.stylesheet ? `<link rel="stylesheet" href="${b.stylesheet}">` : ''}
<link rel="modulepreload" href="${b.script}">
</head>
<body>
<div id="root"><main data-page="boot" data-state="loading"><p class="boot">Loading Telltale…</p></main></div>
<noscript><p>Telltale's portal needs JavaScript. The APIs are documented at <a href="/docs">/docs</a>.</p></noscript>
<script type="module" src="${b.script}"></script>
</body>
</html>
`;
}

const gzipAccepted = (request: FastifyRequest) => /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));

/** GET / and the portal's other pages (the shell), and GET /portal/<asset>. */
/** `mode`: sandbox or production — the shell tells the app (sandbox pages offer test calls). */
export async function portalRoutes(fastify: FastifyInstance, opts: { mode: 'sandbox' | 'production'; source?: PortalSource }) {
  const source = opts.source ?? new PortalSource();
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const b = await source.get();
    const html = Buffer.from(shell(b, opts.mode));
    reply.type('text/html; charset=utf-8').header('content-security-policy', PORTAL_CSP).header('referrer-policy', 'same-origin').header('cache-control', 'no-cache');
    if (gzipAccepted(request)) return reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(zlib.gzipSync(html));
    return reply.send(html);
  };
  for (const url of PORTAL_PAGES) fastify.get(url, { schema: { hide: true } }, page);
  // Built when the server starts listening (in the background: the APIs answer meanwhile), so the first visitor does
  // not wait for it; a failed build is logged here and retried by the first request.
  fastify.addHook('onListen', async function () {
    source.get().catch((err) => this.log.error({ err }, 'the portal (web/portal) did not build'));
  });

  fastify.get('/portal/:file', { schema: { hide: true } }, async (request, reply) => {
    const b = await source.get();
    const a = b.assets.get(request.url.split('?')[0]);
    if (!a) return reply.status(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('no such portal file (the portal was rebuilt: reload the page)');
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', a.etag).header('vary', 'accept-encoding');
    if (etagMatches(request.headers['if-none-match'], a.etag)) return reply.status(304).send();
    reply.type(a.type);
    if (gzipAccepted(request)) return reply.header('content-encoding', 'gzip').send(a.gzip);
    return reply.send(a.body);
  });
}
