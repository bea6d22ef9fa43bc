import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, BuildResult } from 'esbuild';

// Browser code lives in web/ (the DNI script in web/aa, the portal in web/portal) and is bundled by esbuild in memory
// when first asked for, and again whenever a source changed: a fresh clone needs no build step, an edited source is
// never served stale.

/** web/<sub>: found from this module upwards (the sources run from src/http, the CLI bundle from dist/). */
export function webDir(sub: string, entry: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'web', sub);
    if (fs.existsSync(path.join(candidate, entry))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`web/${sub}/${entry} not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const SOURCE = /\.(ts|tsx|css)$/;

/** The sources' stamp: every non-test .ts/.tsx/.css file under `dir` (recursively when asked) with size and mtime. */
export async function sourceStamp(dir: string, recursive = false): Promise<string> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    const entries = (await fs.promises.readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (recursive) await walk(p, rel + e.name + '/');
      } else if (SOURCE.test(e.name) && !e.name.endsWith('.test.ts') && !e.name.endsWith('.test.tsx')) {
        const s = await fs.promises.stat(p);
        out.push(`${rel}${e.name}:${s.size}:${s.mtimeMs}`);
      }
    }
  };
  await walk(dir, '');
  return out.join('|');
}

let buildsInFlight = 0;

/**
 * One esbuild build (never written to disk). esbuild's service process is stopped once no build is running, so a
 * serving process does not keep it (and its memory) for the rare rebuild.
 */
export async function esbuildInMemory(options: BuildOptions): Promise<BuildResult & { outputFiles: NonNullable<BuildResult['outputFiles']> }> {
  const esbuild = await import('esbuild');
  buildsInFlight++;
  try {
    const result = await esbuild.build({ ...options, write: false, logLevel: 'silent' });
    return result as BuildResult & { outputFiles: NonNullable<BuildResult['outputFiles']> };
  } finally {
    if (--buildsInFlight === 0) await esbuild.stop();
  }
}

/**
 * A bundle as served: built on the first request and again whenever the stamp of its sources changed. Requests that
 * arrive during a build share it; a failed build is retried by the next request.
 */
export class BundleSource<B extends { stamp: string }> {
  private current: Promise<B> | null = null;
  constructor(
    private readonly stampOf: () => Promise<string>,
    private readonly build: () => Promise<B>,
  ) {}

  async get(): Promise<B> {
    const stamp = await this.stampOf();
    const pending = this.current;
    if (pending) {
      const b = await pending.catch(() => null);
      if (b && b.stamp === stamp) return b;
      if (this.current !== pending) return this.get();
    }
    const next = this.build();
    this.current = next;
    next.catch(() => {
      if (this.current === next) this.current = null;
    });
    return next;
  }
}

/** Whether an If-None-Match header names this entity tag (a list, weak forms and `*` included). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
