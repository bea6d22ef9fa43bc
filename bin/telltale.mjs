#!/usr/bin/env node
// Runs the CLI from a bundle of src/ (dist/telltale.mjs), built here with esbuild whenever anything under src/ is newer
// than it, so `npx telltale …` works straight after `npm install` and never runs a stale build. Running the bundle
// instead of loading TypeScript through tsx keeps a transpiler (and the loader thread with its own V8 isolate) out of
// the serving process: about 30 MB less RSS.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const OUT = path.join(ROOT, 'dist', 'telltale.mjs');
// Besides src/, what the bundle depends on: this file (the build options) and the compiler options esbuild reads.
const INPUTS = [fileURLToPath(import.meta.url), path.join(ROOT, 'tsconfig.json')];

/** The newest modification time (ms) of src/ and everything under it (directories too: a deleted file changes its folder). */
function newestMtime(dir) {
  let newest = fs.statSync(dir).mtimeMs;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!e.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function isStale() {
  let built;
  try {
    built = fs.statSync(OUT).mtimeMs;
  } catch {
    return true;
  }
  // >=: a source written in the same millisecond as the build started may not be in it.
  return Math.max(newestMtime(SRC), ...INPUTS.map((f) => fs.statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0)) >= built;
}

/**
 * Bundles src/main.ts into dist/telltale.mjs (packages stay external: they load from node_modules as usual). Each file
 * is written under a unique temporary name and renamed into place, so processes starting at once never see half a
 * bundle; they build the same output. The bundle's mtime is set to when the build started, so a source changed during
 * the build is newer than the bundle and triggers the next rebuild.
 */
async function build() {
  const startedAt = new Date();
  const { buildSync } = await import('esbuild');
  const result = buildSync({
    entryPoints: [path.join(SRC, 'main.ts')],
    outfile: OUT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Source maps for stack traces that name src/ files and lines; the sources themselves stay in src/.
    sourcemap: 'linked',
    sourcesContent: false,
    write: false,
    logLevel: 'silent',
  });
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const tag = `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  // The map first: a bundle in place always finds its map.
  for (const file of [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')))) {
    const tmp = file.path + tag;
    try {
      fs.writeFileSync(tmp, file.contents);
      fs.utimesSync(tmp, startedAt, startedAt);
      fs.renameSync(tmp, file.path);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  }
}

let entry = pathToFileURL(OUT).href;
if (isStale()) {
  try {
    await build();
  } catch (err) {
    if (!['EACCES', 'EPERM', 'EROFS'].includes(err.code)) throw err;
    // dist/ cannot be written (a read-only install): run the sources through tsx instead, as slow and heavy as before.
    console.error(`telltale: cannot write ${path.relative(ROOT, OUT)} (${err.code}); running the TypeScript sources through tsx`);
    const { register } = await import('tsx/esm/api');
    register();
    entry = pathToFileURL(path.join(SRC, 'main.ts')).href;
  }
}
process.setSourceMapsEnabled(true);
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
