// compare.mjs — do all tools give the same reference figures? (tools/bench/ingest-run)
//
//   node compare.mjs NAME=FILE NAME=FILE ...
//
// A FILE ending in .json is pinggu's partials of one batch (ingest-run rebuilds them from the
// `partial` table of DATA/pinggu.db in the JSON the batch store once kept in files): the
// figures are computed from its stored partial aggregates exactly as pinggu takes a value
// (share = hits / n, mean = sum / valued, count = n; a count without a cell is 0, a share or
// mean without records is null). Any other FILE is a peer's TSV: unit, period, then the eight
// figures (empty for null). The first file is the reference; every other one must have the
// same (unit, period) rows and every figure equal within 1e-9 relative (nulls equal only
// nulls). Prints one line per file and exits 1 on any disagreement.
import { readFileSync } from 'node:fs';

const FIGURES = ['n', 'online', 'full_online', 'ontime', 'mean_days', 'ecert', 'rating', 'low_ratings'];
const TOL = 1e-9;

// The binary cells of core/data/batch.c (schema 5), as hex: "PGC" 1, u32 ncells, then per cell
// u32 length + unit id, u32 bucket (YYYYMM or YYYY00), 9 f64 (n, sum, sum_c, den, den_c, hits,
// valued, min, max), u32 nhashes + 16 bytes each, u32 nvalues + f64 each; little-endian. Turned
// into the JSON cells of before: [unit, period, n, sum, den, hits, valued, min, max].
function decodeCells(hex) {
  const b = Buffer.from(hex, 'hex');
  if (b.toString('latin1', 0, 3) !== 'PGC' || b[3] !== 1) throw new Error('not binary cells');
  let at = 4;
  const u32 = () => { const v = b.readUInt32LE(at); at += 4; return v; };
  const f64 = () => { const v = b.readDoubleLE(at); at += 8; return v; };
  const cells = [];
  for (let i = 0, n = u32(); i < n; i++) {
    const len = u32();
    const unit = b.toString('utf8', at, at + len);
    at += len;
    const bucket = u32();
    const period = bucket % 100 ? `${Math.floor(bucket / 100)}-${String(bucket % 100).padStart(2, '0')}`
                                : String(bucket / 100);
    const [cn, sum, sumC, den, denC, hits, valued, min, max] = Array.from({ length: 9 }, f64);
    const nhashes = u32(); // (at += 16 * u32() would add to the offset from before the read)
    at += 16 * nhashes;
    const nvalues = u32();
    at += 8 * nvalues;
    cells.push([unit, period, cn, sum + sumC, den + denC, hits, valued, min, max]);
  }
  return cells;
}

function fromPartials(path) {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  const rows = new Map();
  const row = (key) => {
    if (!rows.has(key)) rows.set(key, { n: null, online: null, full_online: null, ontime: null,
      mean_days: null, ecert: null, rating: null, low_ratings: 0 });
    return rows.get(key);
  };
  for (const entry of Object.values(json.metrics)) {
    const id = entry.metric.replace(/^k_/, ''); // the keyed source's metrics are k_<id>
    if (!FIGURES.includes(id)) continue;
    // a cell: [unit, period, n, sum, den, hits, valued, min, max, hashes, values]
    const cells = typeof entry.cells === 'string' ? decodeCells(entry.cells) : entry.cells;
    for (const [unit, period, n, sum, , hits, valued] of cells) {
      const r = row(`${unit}\t${period}`);
      if (id === 'n' || id === 'low_ratings') r[id] = n;
      else if (id === 'mean_days' || id === 'rating') r[id] = valued > 0 ? sum / valued : null;
      else r[id] = n > 0 ? hits / n : null;
    }
  }
  // rows made only by low_ratings cannot exist without an `n` cell; drop any that would
  for (const [k, r] of rows) if (r.n === null) rows.delete(k);
  return rows;
}

function fromTsv(path) {
  const rows = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    const f = line.split('\t');
    const r = {};
    FIGURES.forEach((id, i) => (r[id] = f[2 + i] === '' || f[2 + i] === undefined ? null : Number(f[2 + i])));
    rows.set(`${f[0]}\t${f[1]}`, r);
  }
  return rows;
}

const inputs = process.argv.slice(2).map((a) => {
  const eq = a.indexOf('=');
  const name = a.slice(0, eq), path = a.slice(eq + 1);
  return { name, rows: path.endsWith('.json') ? fromPartials(path) : fromTsv(path) };
});
if (inputs.length < 2) {
  console.error('usage: node compare.mjs NAME=FILE NAME=FILE ...');
  process.exit(2);
}

const ref = inputs[0];
let bad = 0;
console.log(`reference: ${ref.name}, ${ref.rows.size} (unit, month) rows × ${FIGURES.length} figures`);
for (const other of inputs.slice(1)) {
  const problems = [];
  let maxrel = 0, compared = 0;
  for (const k of ref.rows.keys()) if (!other.rows.has(k)) problems.push(`missing row ${k.replace('\t', ' ')}`);
  for (const k of other.rows.keys()) if (!ref.rows.has(k)) problems.push(`extra row ${k.replace('\t', ' ')}`);
  for (const [k, a] of ref.rows) {
    const b = other.rows.get(k);
    if (!b) continue;
    for (const id of FIGURES) {
      const x = a[id], y = b[id];
      compared++;
      if (x === null || y === null) {
        if (x !== y) problems.push(`${k.replace('\t', ' ')} ${id}: ${x} vs ${y}`);
        continue;
      }
      const scale = Math.max(Math.abs(x), Math.abs(y));
      const rel = scale === 0 ? 0 : Math.abs(x - y) / scale;
      maxrel = Math.max(maxrel, rel);
      if (rel > TOL) problems.push(`${k.replace('\t', ' ')} ${id}: ${x} vs ${y}`);
    }
  }
  const verdict = problems.length ? `DISAGREE (${problems.length} problems)` : 'agree';
  console.log(`  ${other.name}: ${other.rows.size} rows, ${compared} figures, max relative difference ` +
              `${maxrel.toExponential(2)}: ${verdict}`);
  for (const p of problems.slice(0, 10)) console.log(`    ${p}`);
  if (problems.length) bad = 1;
}
process.exit(bad);
