import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client, SFTPWrapper } from 'ssh2';
import { request } from 'undici';
import { abortable, withDeadline } from '../deadline.ts';
import { normalisedHostname } from '../../domain/delivery/url-policy.ts';
import type { OutboundPolicy, OutboundResult } from '../delivery/http-sender.ts';
import { failedRequest, policyAgent, resolveDestination } from '../delivery/http-sender.ts';

/** Where a feed file goes: outbound I/O for the daily upload, one function per destination kind. */
export interface FeedFile {
  /** file name, e.g. calls-2026-03-01.csv */
  name: string;
  contentType: string;
  content: () => AsyncIterable<string>;
}

function body(file: FeedFile): Readable {
  return Readable.from((async function* () {
    for await (const s of file.content()) if (s) yield Buffer.from(s, 'utf8');
  })());
}

/** True when `p` is `root` or lies below it (both absolute, resolved). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Creates `dir` under `root` one folder at a time, checking after each step that the real path (symlinks followed)
 * is still inside the real root; the real folder to write into, or why not.
 */
async function confinedFolder(dir: string, root: string): Promise<{ dir: string } | { refused: string }> {
  const base = path.resolve(root);
  const wanted = path.resolve(base, dir);
  if (!isInside(base, wanted)) return { refused: `folder ${dir} is outside the feed folder root ${base} (TT_FEED_FOLDER_ROOT)` };
  await fs.promises.mkdir(base, { recursive: true });
  const realRoot = await fs.promises.realpath(base);
  let cur = realRoot;
  for (const part of path.relative(base, wanted).split(path.sep).filter(Boolean)) {
    const next = path.join(cur, part);
    await fs.promises.mkdir(next).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    cur = await fs.promises.realpath(next);
    if (!isInside(realRoot, cur)) return { refused: `folder ${dir} leads outside the feed folder root ${realRoot} (through a symbolic link, to ${cur})` };
  }
  return { dir: cur };
}

/**
 * Writes into a local folder: a `.part` file renamed into place, so readers never see half a file. With `root`
 * (TT_FEED_FOLDER_ROOT) the folder must lie inside it, symbolic links followed; `root: false`: folder uploads are off.
 * With `timeoutMs` the write is cut off at that hard deadline (a hung mount, say), its `.part` file removed.
 */
export async function writeToFolder(target: string, file: FeedFile, opts: { root?: string | null | false; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<OutboundResult> {
  if (opts.root === false) return { kind: 'refused', error: 'folder uploads are disabled on this server (production without TT_FEED_FOLDER_ROOT)' };
  if (opts.timeoutMs) return withDeadline(opts.timeoutMs, `write to ${target}`, (signal) => writeToFolderOnce(target, file, opts.root || null, signal), opts.signal);
  return writeToFolderOnce(target, file, opts.root || null, opts.signal);
}

async function writeToFolderOnce(target: string, file: FeedFile, root: string | null, signal?: AbortSignal): Promise<OutboundResult> {
  let part: string | null = null;
  try {
    let dir = target;
    if (root) {
      const confined = await abortable(signal, confinedFolder(target, root));
      if ('refused' in confined) return { kind: 'refused', error: confined.refused };
      dir = confined.dir;
    } else await abortable(signal, fs.promises.mkdir(dir, { recursive: true }));
    const final = path.join(dir, file.name);
    part = `${final}.part`;
    // A `.part` left by an earlier attempt (or a link planted there) is removed, and the new one created exclusively.
    await abortable(signal, fs.promises.unlink(part).catch(() => undefined));
    await pipeline(body(file), fs.createWriteStream(part, { flags: 'wx' }), { signal });
    await abortable(signal, fs.promises.rename(part, final));
    return { kind: 'response', status: 200, body: `wrote ${final}` };
  } catch (err) {
    if (part && signal?.aborted) void fs.promises.rm(part, { force: true }).catch(() => undefined);
    return { kind: 'transport_error', error: (err as Error).message };
  }
}

/**
 * HTTP PUT of the file to a URL (`{date}` already substituted; a URL ending in `/` gets the file name). `timeoutMs` is
 * a hard deadline on the whole upload (a server that trickles its answer included): the request is torn down then.
 */
export function putToUrl(
  url: string,
  file: FeedFile,
  opts: { allowPrivateUrls: boolean; timeoutMs: number; basic?: { username: string; password: string } | null; outbound?: OutboundPolicy; signal?: AbortSignal },
): Promise<OutboundResult> {
  return withDeadline(opts.timeoutMs, `upload to ${url}`, (signal) => putOnce(url, file, opts, signal), opts.signal);
}

async function putOnce(
  url: string,
  file: FeedFile,
  opts: { allowPrivateUrls: boolean; timeoutMs: number; basic?: { username: string; password: string } | null; outbound?: OutboundPolicy },
  signal: AbortSignal,
): Promise<OutboundResult> {
  const target = url.endsWith('/') ? url + file.name : url;
  // In production the policy runs inside the connect (one resolution, checked, connected to).
  const dispatcher = opts.allowPrivateUrls ? undefined : policyAgent({ connectTimeoutMs: opts.timeoutMs, ...opts.outbound });
  try {
    const res = await request(target, {
      method: 'PUT',
      headers: {
        'content-type': file.contentType,
        'user-agent': 'Telltale-Feeds/1',
        ...(opts.basic ? { authorization: `Basic ${Buffer.from(`${opts.basic.username}:${opts.basic.password}`).toString('base64')}` } : {}),
      },
      body: body(file),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      dispatcher,
      signal,
    });
    const text = await res.body.text();
    return { kind: 'response', status: res.statusCode, body: text.slice(0, 2000) };
  } catch (err) {
    return failedRequest(err);
  } finally {
    void dispatcher?.destroy().catch(() => undefined);
  }
}

/** A host key's fingerprint as OpenSSH prints it: `SHA256:` and the base64 SHA-256 of the raw key blob, without `=` padding. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The server presented another host key than the one expected: nothing was sent (not even the password). */
export class HostKeyMismatch extends Error {}

async function connect(opts: { host: string; port: number; username: string; password: string; timeoutMs: number; hostKey: string | null; signal: AbortSignal }): Promise<{ client: Client; fingerprint: string }> {
  // Loaded on first use: most processes never upload over SFTP, and ssh2 is not small.
  const { default: ssh2 } = await import('ssh2');
  opts.signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    let presented: string | null = null;
    const onAbort = () => {
      c.destroy();
      reject(opts.signal.reason);
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    c.once('ready', () => {
      opts.signal.removeEventListener('abort', onAbort);
      resolve({ client: c, fingerprint: presented! });
    });
    // A server that sends its banner and closes ends the connection without any error from ssh2 (and its
    // readyTimeout is cleared with the socket): without this the promise would never settle.
    c.once('close', () => {
      opts.signal.removeEventListener('abort', onAbort);
      reject(new Error(`${opts.host}:${opts.port} closed the connection before the SSH handshake finished`));
    });
    // `on`, not `once`: a connection can emit more than one error (e.g. after ready, mid-upload); an unheard one would
    // kill the process. Only the first settles this promise; later ones fail the transfer through its own streams.
    c.on('error', (err) => {
      if (opts.hostKey && presented && presented !== opts.hostKey) {
        reject(new HostKeyMismatch(`host key mismatch: ${opts.host}:${opts.port} presented ${presented}, expected ${opts.hostKey}; not connecting (a changed server key, or someone in between)`));
      } else reject(err);
    });
    c.connect({
      host: opts.host,
      port: opts.port,
      username: opts.username,
      password: opts.password,
      readyTimeout: opts.timeoutMs,
      // Without hostHash ssh2 hands over the raw key blob, which is what OpenSSH fingerprints. This runs during key
      // exchange, before authentication: a refused key never sees the password.
      hostVerifier: (key: Buffer) => {
        presented = sshFingerprint(key);
        return opts.hostKey === null || presented === opts.hostKey;
      },
    });
  });
}

const sftpOf = (c: Client) => new Promise<SFTPWrapper>((resolve, reject) => c.sftp((err, s) => (err ? reject(err) : resolve(s))));
const rename = (s: SFTPWrapper, a: string, b: string) => new Promise<void>((resolve, reject) => s.rename(a, b, (err) => (err ? reject(err) : resolve())));
const unlink = (s: SFTPWrapper, p: string) => new Promise<void>((resolve) => s.unlink(p, () => resolve()));

/**
 * SFTP upload: written as `.part`, then renamed over the final name. With `hostKey` only a server presenting that key
 * (fingerprint `SHA256:…`) is talked to; without, `firstUse` gets the presented fingerprint once logged in, before any
 * data is written, to pin it (trust on first use; it throws to stop the upload).
 */
export function uploadSftp(
  target: URL,
  file: FeedFile,
  creds: { username: string; password: string; timeoutMs: number; hostKey: string | null; firstUse?: (fingerprint: string) => Promise<void>; outbound?: OutboundPolicy | null; signal?: AbortSignal },
): Promise<OutboundResult> {
  // `timeoutMs` bounds the whole upload, not only the handshake: at the deadline the connection is destroyed.
  return withDeadline(creds.timeoutMs, `upload to sftp://${target.host}`, (signal) => uploadSftpOnce(target, file, creds, signal), creds.signal);
}

async function uploadSftpOnce(
  target: URL,
  file: FeedFile,
  creds: { username: string; password: string; timeoutMs: number; hostKey: string | null; firstUse?: (fingerprint: string) => Promise<void>; outbound?: OutboundPolicy | null },
  signal: AbortSignal,
): Promise<OutboundResult> {
  // The host as the system resolver would read it (sftp:// hosts are not normalised by the URL parser).
  const hostname = normalisedHostname(target);
  if (!hostname) return { kind: 'refused', error: `${JSON.stringify(target.hostname)} is not a valid host` };
  let host = hostname.replace(/^\[|\]$/g, '');
  if (creds.outbound) {
    // Production: resolved once and checked; ssh2 connects to the checked address (the host key check is unchanged).
    const r = await abortable(signal, resolveDestination(hostname, creds.outbound));
    if (r.kind !== 'ok') return r.kind === 'refused' ? { kind: 'refused', error: `refused by the outbound URL policy: ${r.error}` } : { kind: 'transport_error', error: r.error };
    host = r.addresses[0].address;
  }
  let client: Client | null = null;
  const tearDown = () => client?.destroy();
  signal.addEventListener('abort', tearDown, { once: true });
  try {
    const conn = await connect({ host, port: Number(target.port || 22), username: creds.username, password: creds.password, timeoutMs: creds.timeoutMs, hostKey: creds.hostKey, signal });
    client = conn.client;
    if (signal.aborted) tearDown();
    if (!creds.hostKey) await creds.firstUse?.(conn.fingerprint);
    const sftp = await sftpOf(client);
    const dir = decodeURIComponent(target.pathname || '/');
    const final = path.posix.join(dir, file.name);
    const part = `${final}.part`;
    await pipeline(body(file), sftp.createWriteStream(part));
    await unlink(sftp, final);
    await rename(sftp, part, final);
    return { kind: 'response', status: 200, body: `uploaded sftp://${target.host}${final}` };
  } catch (err) {
    return { kind: 'transport_error', error: (err as Error).message };
  } finally {
    signal.removeEventListener('abort', tearDown);
    client?.end();
  }
}
