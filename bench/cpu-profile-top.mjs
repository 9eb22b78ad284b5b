// Summarises a .cpuprofile: the functions with the most self time, and the share of busy time spent
// under each package or source folder (inclusive, so a folder counts whatever its code calls).
// Usage: node bench/cpu-profile-top.mjs FILE.cpuprofile [N=30]
import { readFileSync } from 'node:fs';

const [file, count = '30'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
let busy = 0;
let gc = 0;
const self = new Map();
const area = new Map();
for (const [id, n] of hits) {
  const node = nodes.get(id);
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === '(garbage collector)') gc += n;
  if (functionName === '(idle)' || functionName === '(program)') continue;
  busy += n;
  const name = `${functionName || '(anonymous)'} ${short(url)}:${lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + n);
  // Each area on the stack once (recursion must not count twice).
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const a = areaOf(nodes.get(at).callFrame.url);
    if (a && !seen.has(a)) {
      seen.add(a);
      area.set(a, (area.get(a) ?? 0) + n);
    }
  }
}
const total = profile.samples.length;
const pct = (n) => `${((100 * n) / busy).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${total} samples, busy ${((100 * busy) / total).toFixed(0)}% (GC ${pct(gc)} of busy)`);
console.log('\nself time (share of busy):');
for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(count)))
  if (!idle.has(name)) console.log(`  ${pct(n)}  ${name}`);
console.log('\ninclusive, by package or source folder:');
for (const [name, n] of [...area].sort((a, b) => b[1] - a[1]).slice(0, Number(count)))
  console.log(`  ${pct(n)}  ${name}`);

function short(url) {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '~/')
    .replace(/^.*\/dist\//, 'dist/');
}

/** "express", "@prisma/client", "dist/domains/gateway/serve", "node:internal/http" … */
function areaOf(url) {
  if (!url) return undefined;
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1];
  const dist = /\/dist\/(.*)\/[^/]+$/.exec(url);
  if (dist) return `dist/${dist[1]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return undefined;
}
