// Bundles the pages (src/) into dist/ with esbuild: one script per page, shared code in
// chunks, one stylesheet. Run by `make install` when src/ or the lockfile changed.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

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
writeFileSync(`${here}dist/meta.json`, JSON.stringify(result.metafile));
writeFileSync(`${here}dist/.built`, '');
