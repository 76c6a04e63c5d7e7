// Builds the web app into dist/web when its sources changed since the last build (npm start and
// npm test run this through their pre-scripts; a fresh build takes a while on two cores), then
// reports the initial JavaScript's gzipped size and fails past the budget.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const rootDir = join(webDir, '..');
const outDir = join(rootDir, 'dist', 'web');
const stampFile = join(outDir, 'build-stamp.json');
/** The budget: the JS a first visit loads before anything else, gzipped. */
const INITIAL_JS_BUDGET = 500 * 1024;
/** Must match NONCE_PLACEHOLDER in src/server/routes/web-app.ts. */
const NONCE_PLACEHOLDER = 'SWITCHYARD_CSP_NONCE';

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : [path];
  });
}

/** A digest of everything the build reads: sources, this script and the locked dependencies. */
function sourceDigest() {
  const hash = createHash('sha256');
  const files = [
    ...sourceFiles(join(webDir, 'src')).filter((f) => !/\.test\.tsx?$/.test(f)),
    join(webDir, 'index.html'),
    join(webDir, 'build.mjs'),
    join(rootDir, 'package-lock.json'),
  ].sort();
  for (const file of files) hash.update(relative(rootDir, file)).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}

/** Gzipped size of the entry chunk and every chunk it imports statically. */
function initialJsSize() {
  const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8'));
  const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const imported of manifest[key].imports ?? []) visit(imported);
  };
  visit(entry);
  const files = [...seen].map((key) => manifest[key].file);
  const gzip = files.reduce(
    (sum, file) => sum + gzipSync(readFileSync(join(outDir, file)), { level: 9 }).length,
    0,
  );
  return { files, gzipBytes: gzip };
}

const digest = sourceDigest();
const force = process.argv.includes('--force');
if (!force && existsSync(stampFile) && JSON.parse(readFileSync(stampFile, 'utf8')).digest === digest) {
  process.exit(0);
}
const { build } = await import('vite');
const react = (await import('@vitejs/plugin-react')).default;
const started = Date.now();
await build({
  root: webDir,
  configFile: false,
  logLevel: 'warn',
  plugins: [react()],
  html: { cspNonce: NONCE_PLACEHOLDER },
  build: {
    outDir,
    emptyOutDir: true,
    manifest: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
const size = initialJsSize();
const kib = (size.gzipBytes / 1024).toFixed(1);
console.log(
  `web app built in ${((Date.now() - started) / 1000).toFixed(1)} s: initial JS ${kib} KiB gzipped (${size.files.length} files, budget ${INITIAL_JS_BUDGET / 1024} KiB)`,
);
if (size.gzipBytes > INITIAL_JS_BUDGET) {
  console.error(`the initial JS bundle is over budget: ${kib} KiB gzipped > ${INITIAL_JS_BUDGET / 1024} KiB`);
  process.exit(1);
}
writeFileSync(
  stampFile,
  JSON.stringify({ digest, initialJsGzipBytes: size.gzipBytes, builtAt: new Date().toISOString() }),
);
