import fs from 'node:fs';
import path from 'node:path';

/** The data folder (TT_DATA_DIR) cannot be created or written: the message names the folder and the cause, for a one-line startup error. */
export class DataFolderError extends Error {
  constructor(
    readonly folder: string,
    readonly cause: unknown,
  ) {
    const e = cause as NodeJS.ErrnoException;
    const why: Record<string, string> = {
      ENOTDIR: 'a part of that path is a file, not a folder',
      EEXIST: 'a file, not a folder, is in the way',
      EACCES: 'permission denied',
      EPERM: 'operation not permitted',
      EROFS: 'the file system is read-only',
      ENOSPC: 'no space left on the device',
      EDQUOT: 'the disk quota is exhausted',
      ENAMETOOLONG: 'the path is too long',
      ELOOP: 'too many symbolic links in the path',
    };
    const where = e?.path && path.resolve(e.path) !== path.resolve(folder) ? ` (at ${e.path})` : '';
    super(`cannot use the data folder ${folder} (TT_DATA_DIR): ${why[e?.code ?? ''] ?? e?.message ?? String(cause)}${e?.code ? ` [${e.code}]` : ''}${where}`);
    this.name = 'DataFolderError';
  }
}

/**
 * Makes sure the data folder exists and can be written (a probe file is created and removed: a read-only mount or a
 * full disk shows here, not at the first recording). A folder it creates is private to the server's user (0700): it
 * holds the database with webhook and API secrets, and the recordings.
 */
export function prepareDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, '', { mode: 0o600 });
    fs.rmSync(probe, { force: true });
  } catch (err) {
    throw new DataFolderError(dir, err);
  }
}
