// Prints the size of the built page's JavaScript, gzipped, and fails over the budget
// (150 KB, the target).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const assets = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'assets');
let raw = 0;
let gz = 0;
for (const f of readdirSync(assets).filter((f) => f.endsWith('.js'))) {
  const b = readFileSync(join(assets, f));
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}
console.log(`bundle: ${(gz / 1024).toFixed(1)} KB of JavaScript gzipped (${(raw / 1024).toFixed(1)} KB raw; budget ${BUDGET / 1024} KB)`);
if (gz > BUDGET) {
  console.error('bundle: over budget');
  process.exit(1);
}
