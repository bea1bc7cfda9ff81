// report.mjs — the figures and ratios of every tool of tools/bench/ingest-run (the targets are
// judged after it, by ingest-run itself, on the durable ingest: issue 14 §7).
//
//   node report.mjs --records N --csv-bytes B --ndjson-bytes B [--smoke 1] RESULTS.tsv
//
// RESULTS.tsv has one line per timed run: tool, format, run, wall seconds, CPU seconds (user +
// system), peak RSS in KiB, and for DuckDB the in-process query seconds. Throughput uses the
// best wall time of the runs (the machine is shared; the median is shown beside it). DuckDB
// is shown twice: its query alone (reading, converting, aggregating, fetching the result:
// what the targets compare with) and its whole process (Node start, module load, query).
import { readFileSync } from 'node:fs';

const args = {};
let file;
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith('--')) args[process.argv[i].slice(2)] = Number(process.argv[++i]);
  else file = process.argv[i];
}
const records = args.records;
const bytes = { csv: args['csv-bytes'], ndjson: args['ndjson-bytes'] };

const runs = new Map(); // "tool\tformat" -> [{wall, cpu, rss, query}]
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line) continue;
  const [tool, format, , wall, cpu, rss, query] = line.split('\t');
  const k = `${tool}\t${format}`;
  if (!runs.has(k)) runs.set(k, []);
  runs.get(k).push({ wall: +wall, cpu: +cpu, rss: +rss, query: query === '' || query === undefined ? null : +query });
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stats = (tool, format, field = 'wall') => {
  const r = runs.get(`${tool}\t${format}`);
  if (!r) return null;
  const t = r.map((x) => x[field]);
  return { best: Math.min(...t), median: median(t), n: t.length, cpu: Math.min(...r.map((x) => x.cpu)),
           rss: Math.max(...r.map((x) => x.rss)) };
};

const LABEL = {
  cat: 'cat FILE > /dev/null',
  pinggu: 'pinggu ingest',
  'pinggu-key': 'pinggu ingest, key = case_id',
  'pinggu-parse': 'pinggu parse + aggregate only',
  'dd-direct': 'dd oflag=direct conv=fsync',
  'duckdb-1': 'DuckDB threads=1',
  'duckdb-default': 'DuckDB default threads',
  sqlite3: 'sqlite3 .import + query',
};
const fmtM = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

for (const format of ['csv', 'ndjson']) {
  const mb = bytes[format] / 1e6;
  console.log(`\n${format.toUpperCase()}: ${records.toLocaleString('en-US')} records, ${mb.toFixed(1)} MB ` +
              `(${(bytes[format] / records).toFixed(0)} bytes a record)`);
  console.log(`  ${pad('tool', 40)}${lpad('best s', 9)}${lpad('median s', 10)}${lpad('records/s', 12)}` +
              `${lpad('MB/s', 8)}${lpad('CPU s', 8)}${lpad('peak RSS', 11)}  pinggu's speed ÷ tool's`);
  const pg = stats('pinggu', format);
  const rows = [];
  for (const tool of ['cat', 'dd-direct', 'pinggu', 'pinggu-key', 'pinggu-parse', 'duckdb-1',
                      'duckdb-default', 'sqlite3']) {
    const s = stats(tool, format);
    if (!s) continue;
    if (tool.startsWith('duckdb')) {
      const q = stats(tool, format, 'query');
      rows.push({ tool, label: `${LABEL[tool]}, query`, best: q.best, median: q.median, cpu: null, rss: null });
      rows.push({ tool: `${tool}-process`, label: `${LABEL[tool]}, whole process`, ...s });
    } else rows.push({ tool, label: LABEL[tool], ...s });
  }
  for (const r of rows) {
    const ratio = pg && r.tool !== 'pinggu' ? `${(r.best / pg.best).toFixed(2)}×` : '';
    console.log(`  ${pad(r.label, 40)}${lpad(r.best.toFixed(3), 9)}${lpad(r.median.toFixed(3), 10)}` +
                `${lpad(fmtM(records / r.best), 12)}${lpad((mb / r.best).toFixed(0), 8)}` +
                `${lpad(r.cpu === null ? '' : r.cpu.toFixed(2), 8)}` +
                `${lpad(r.rss === null ? '(process)' : `${(r.rss / 1024).toFixed(1)} MB`, 11)}  ${ratio}`);
  }
}
