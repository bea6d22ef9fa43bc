import fs from 'node:fs/promises';
import path from 'node:path';
import { newToken } from '../../domain/ids.ts';

/** Where recordings' media are kept, by a path relative to the store. */
export interface RecordingStore {
  /** Writes a file so that it is either absent or complete, also after a crash. */
  write(relPath: string, data: Buffer): Promise<void>;
  /** Opens a stored file for reading; throws when it is missing or not a regular file. */
  open(relPath: string): Promise<{ handle: fs.FileHandle; size: number }>;
}

/** Recordings as files under `TT_DATA_DIR` (e.g. `recordings/2026-12/rec_….wav`). */
export function fileRecordingStore(dataDir: string): RecordingStore {
  return {
    write: (relPath, data) => writeFileDurably(path.join(dataDir, relPath), data),
    async open(relPath) {
      const handle = await fs.open(path.join(dataDir, relPath), 'r');
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new Error('not a regular file');
        return { handle, size: stat.size };
      } catch (err) {
        await handle.close();
        throw err;
      }
    },
  };
}

/** Temporary file, fsync, rename, fsync of the folder. */
async function writeFileDurably(file: string, data: Buffer): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${newToken(6)}.tmp`;
  const fh = await fs.open(tmp, 'wx', 0o600);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  // The rename is durable once the folder is synced (some file systems refuse to sync a folder: not an error).
  const d = await fs.open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // ignored
  } finally {
    await d.close();
  }
}
