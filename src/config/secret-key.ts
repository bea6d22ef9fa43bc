import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import { parseSecretKey } from '../domain/accounts/secret-box.ts';

/**
 * The key that encrypts feed upload passwords: TT_SECRET_KEY; in sandbox mode without it, a key generated once
 * (when first needed) into TT_DATA_DIR/secret-key (mode 0600); in production without it, none.
 */
export function secretKeyOf(config: Pick<Config, 'secretKey' | 'mode' | 'dataDir'>): () => Buffer | null {
  if (config.secretKey) return () => config.secretKey;
  if (config.mode === 'production') return () => null;
  let key: Buffer | null = null;
  return () => (key ??= sandboxSecretKey(path.join(config.dataDir, 'secret-key')));
}

function sandboxSecretKey(file: string): Buffer {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Written aside and linked into place, so another process never reads half a key; if one linked first, use theirs.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  const key = parseSecretKey(fs.readFileSync(file, 'utf8'));
  if (typeof key === 'string') throw new Error(`${file}: ${key} (restore the key the upload passwords were stored with, or set TT_SECRET_KEY)`);
  return key;
}
