import { createHash, randomBytes } from 'node:crypto';

/** An RFC 7616 client (qop=auth), written from the RFC, not from the server's code: the Authorization answering `challenge`. */
export function digestAuthorization(challenge: string, o: { username: string; password: string; method: string; uri: string; nc?: number; cnonce?: string }): string {
  const p = Object.fromEntries([...challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
  const alg = p.algorithm ?? 'MD5';
  const H = (s: string) => createHash(alg === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = o.cnonce ?? randomBytes(8).toString('hex');
  const response = H(`${H(`${o.username}:${p.realm}:${o.password}`)}:${p.nonce}:${nc}:${cnonce}:auth:${H(`${o.method}:${o.uri}`)}`);
  return `Digest username="${o.username}", realm="${p.realm}", nonce="${p.nonce}", uri="${o.uri}", algorithm=${alg}, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", opaque="${p.opaque}"`;
}

/** The challenges of a 401 answer's WWW-Authenticate (one or several headers). */
export function challengesOf(header: string | string[] | undefined | null): string[] {
  return header == null ? [] : ([] as string[]).concat(header);
}
