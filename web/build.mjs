// Bundles the pages (src/) into dist/ with esbuild: one script per page, shared code in
// chunks, one stylesheet. Run by `make install` when src/ or the lockfile changed.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const here = new URL('.', import.meta.url).pathname;
rmSync(`${here}dist`, { recursive: true, force: true });
mkdirSync(`${here}dist`, { recursive: true });
const result = await build({
  absWorkingDir: here,
  entryPoints: ['src/inbox.js', 'src/task.js', 'src/dossier.js', 'src/desk.css'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: ['chrome100', 'firefox100', 'safari15'],
  chunkNames: 'chunk-[hash]',
  metafile: true,
  logLevel: 'warning',
});
// The pages name their scripts with this version, so that a new build is never mixed
// with what a browser cached of the last one (the shared chunks are named by content).
const digest = createHash('sha256');
for (const out of Object.keys(result.metafile.outputs).sort()) digest.update(readFileSync(`${here}${out}`));
writeFileSync(`${here}dist/version.txt`, digest.digest('hex').slice(0, 12));
writeFileSync(`${here}dist/.built`, '');
