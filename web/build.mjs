// Bundles the pages into dist/ with esbuild: one script per page (src/pages/*.js), shared
// code in chunks, one stylesheet per src/*.css (fonts and images they name are copied beside
// them). Run by `make install` when src/ or the lockfile changed.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const here = new URL('.', import.meta.url).pathname;
const entry = (dir, ext) => readdirSync(`${here}${dir}`).filter((f) => f.endsWith(ext))
  .map((f) => ({ out: f.slice(0, -ext.length), in: `${dir}/${f}` }));
rmSync(`${here}dist`, { recursive: true, force: true });
mkdirSync(`${here}dist`, { recursive: true });
const result = await build({
  absWorkingDir: here,
  entryPoints: [...entry('src/pages', '.js'), ...entry('src', '.css')],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: ['chrome100', 'firefox100', 'safari15'],
  chunkNames: 'chunk-[hash]',
  assetNames: 'asset-[name]-[hash]',
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file', '.png': 'file' },
  metafile: true,
  logLevel: 'warning',
});
// The pages name their scripts with this version, so that a new build is never mixed
// with what a browser cached of the last one (the shared chunks are named by content).
const digest = createHash('sha256');
for (const out of Object.keys(result.metafile.outputs).sort()) digest.update(readFileSync(`${here}${out}`));
writeFileSync(`${here}dist/version.txt`, digest.digest('hex').slice(0, 12));
writeFileSync(`${here}dist/.built`, '');
