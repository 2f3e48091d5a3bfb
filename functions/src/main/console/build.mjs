// Bundles the console (src/) into one app.js + app.css next to index.html, for the functions jar
// (target/classes/console/, served by the local server at /) and the CDK stack's console bucket.
// Run by the Maven build (exec-maven-plugin: npm ci, then npm run build -- <outdir>).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const out = process.argv[2] || '../../../target/classes/console';
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: ['src/app.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: out,
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync('src/index.html', join(out, 'index.html'));
let raw = 0, gz = 0;
for (const f of ['index.html', 'app.js', 'app.css']) {
  const b = readFileSync(join(out, f));
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}
console.log(`console bundle: ${raw} bytes, ${gz} bytes gzipped (index.html + app.js + app.css) -> ${out}`);
