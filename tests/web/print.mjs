// print.mjs — the HTML documents in headless chromium: `pinggu report --format html` writes the
// 2021-05 monthly bulletin and the 2021 annual report from the Shanwei sample; each is opened in
// chromium through Playwright and
//   - loads with no console error, no exception, and no request but the file itself (the page
//     is self-contained: inline CSS and SVG, nothing fetched);
//   - draws its Chinese (the 排名 heading, a unit's name) in a Noto CJK face, asked of the
//     renderer itself (CDP CSS.getPlatformFontsForNode), not of the stylesheet;
//   - screenshots to a PNG of the viewport's size;
//   - prints to an A4 PDF of several pages (pages counted with pdfinfo when poppler-utils is
//     installed, else from the PDF's /Type /Page objects), with a Noto CJK font embedded and,
//     where pdftotext is installed, 排名 and a unit's name in its text.
// The monthly bulletin is also printed by the command an operator would type,
// `chromium --headless --print-to-pdf`.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.print");
const out = L.tmpdir("print");

const rules = path.join(root, "rules/shanwei-2021");
const docs = [["monthly", "2021-05"], ["annual", "2021"]].map(([scheme, period]) => {
  const r = spawnSync(bin, ["report", "--rules", rules, "--data", path.join(rules, "sample"), "--scheme", scheme,
    "--period", period, "--format", "html", "--out", out], { encoding: "utf8" });
  const file = path.join(out, `${scheme}-${period}.html`);
  t.ok(r.status === 0 && fs.existsSync(file), `pinggu report writes ${scheme} ${period} as HTML`,
    `exit ${r.status}\n${r.stderr}`);
  t.ok(!/runtime error:|ERROR: \w+Sanitizer/.test(r.stderr || ""), `pinggu report ${scheme} ${period}: no sanitizer report`,
    (r.stderr || "").slice(0, 1500));
  return { scheme, period, file };
}).filter((d) => fs.existsSync(d.file));

const have = (prog) => spawnSync("sh", ["-c", `command -v ${prog}`]).status === 0;
const PDFINFO = have("pdfinfo");
const PDFTOTEXT = have("pdftotext");
if (!PDFINFO) console.log("note: pdfinfo (poppler-utils) not installed: pages counted from the PDF's objects");

// A PDF's objects as text: the file itself plus every Flate stream inflated, since chromium
// packs its objects (pages, fonts) into compressed object streams.
function pdfObjects(file) {
  const buf = fs.readFileSync(file);
  const raw = buf.toString("latin1");
  const parts = [raw];
  const re = /\/FlateDecode[^]*?>>\s*stream\r?\n/g;
  let m;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf("endstream", start);
    if (end < 0) break;
    try { parts.push(zlib.inflateSync(buf.subarray(start, end)).toString("latin1")); } catch { /* not ours */ }
    re.lastIndex = end;
  }
  return parts.join("\n");
}

// Pages of a PDF: pdfinfo's count, else the /Type /Page objects (not /Pages).
function pages(file, objects) {
  if (PDFINFO) {
    const r = spawnSync("pdfinfo", [file], { encoding: "utf8" });
    const m = /^Pages:\s+(\d+)/m.exec(r.stdout || "");
    return { n: m ? Number(m[1]) : -1, size: (/^Page size:\s+(.*)$/m.exec(r.stdout || "") || [])[1] || "" };
  }
  return { n: (objects.match(/\/Type\s*\/Page(?![s\w])/g) || []).length, size: "" };
}

// Every MediaBox of the PDF is A4 (595 x 842 points, to a point).
function a4(objects) {
  const boxes = [...objects.matchAll(/\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/g)];
  return boxes.length > 0 && boxes.every((m) => Math.abs(m[3] - m[1] - 595.28) < 1.5 && Math.abs(m[4] - m[2] - 841.89) < 1.5);
}

function checkPdf(what, file, minPages, names) {
  const head = fs.existsSync(file) ? fs.readFileSync(file).subarray(0, 5).toString("latin1") : "";
  if (!t.ok(head === "%PDF-", `${what}: a PDF was written`, file)) return;
  const objects = pdfObjects(file);
  const p = pages(file, objects);
  t.ok(p.n >= minPages, `${what}: at least ${minPages} pages`, `${p.n} pages`);
  t.ok(a4(objects), `${what}: every page is A4`, (objects.match(/\/MediaBox[^\]]*\]/g) || []).slice(0, 3).join(" "));
  if (PDFINFO) t.ok(/A4/.test(p.size) || /595\.\d* x 841\.\d*/.test(p.size), `${what}: pdfinfo says A4`, p.size);
  // chromium embeds the faces as subsets (Type 3 or CID fonts) named in their descriptors
  const fonts = [...new Set((objects.match(/\/(?:BaseFont|FontName)\s*\/[^\s/>\]]+/g) || [])
    .map((f) => f.replace(/^\/\w+\s*\//, "")))];
  t.ok(fonts.some((f) => /^[A-Z]{6}\+Noto(Sans|Serif)CJK/.test(f)), `${what}: a Noto CJK font is embedded`, fonts.join(" "));
  console.log(`${what}: ${p.n} pages; fonts ${fonts.join(" ")}`);
  if (PDFTOTEXT) {
    const r = spawnSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" });
    for (const n of names) t.ok((r.stdout || "").includes(n), `${what}: the PDF's text has ${n}`);
  }
}

// A PNG's width and height from its IHDR.
function pngSize(file) {
  const b = fs.readFileSync(file);
  if (b.subarray(1, 4).toString("latin1") !== "PNG") return null;
  return { w: b.readUInt32BE(16), h: b.readUInt32BE(20) };
}

// chromium --headless --print-to-pdf on the monthly bulletin, in the background.
function printByCommand(d) {
  const sandbox = process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [];
  const pdf = path.join(out, "cli.pdf");
  const child = spawn(L.CHROMIUM, ["--headless", ...sandbox, "--disable-gpu", "--no-pdf-header-footer",
    `--user-data-dir=${path.join(out, "profile")}`, `--print-to-pdf=${pdf}`, "file://" + d.file],
  { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b) => { stderr += b; });
  const timer = setTimeout(() => child.kill("SIGKILL"), 120000);
  L.onCleanup(() => { if (child.exitCode === null) child.kill("SIGKILL"); });
  const done = new Promise((resolve) => child.on("exit", (code, signal) => {
    clearTimeout(timer);
    resolve({ code, signal, stderr });
  }));
  return { pdf, done };
}
const cli = docs.length ? printByCommand(docs[0]) : null;

const browser = await L.browser(pw);
for (const d of docs) {
  const what = `${d.scheme} ${d.period}`;
  const url = "file://" + d.file;
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: "zh-CN" });
  const page = await ctx.newPage();
  const w = L.watch(page);
  const fetched = [];
  page.on("request", (r) => { if (r.url() !== url) fetched.push(r.url()); });
  await page.goto(url, { waitUntil: "load" });
  await page.emulateMedia({ media: "print" });
  const problems = w.problems();
  t.ok(problems.length === 0, `${what}: no console error, exception or failed request`, JSON.stringify(problems));
  t.eq(`${what}: nothing fetched but the page`, [], fetched);

  // the Chinese is drawn in a CJK face: the title, and the first table's 排名 heading
  const firstTh = await page.$eval("table th", (th) => th.textContent.trim()).catch(() => "");
  t.eq(`${what}: the first table starts with 排名`, "排名", firstTh);
  for (const sel of ["h1", "table th"]) {
    const fonts = await L.platformFonts(page, sel);
    const names = fonts.map((f) => f.familyName + "/" + f.postScriptName);
    t.ok(fonts.length > 0 && fonts.every((f) => /CJK/.test(f.familyName)), `${what}: ${sel} is drawn in a Noto CJK face`,
      names.join(", "));
  }
  const unitName = await page.$$eval("table tbody tr td:nth-child(2)", (tds) => (tds[0] || {}).textContent || "");
  t.ok(/[\u4e00-\u9fff]/.test(unitName), `${what}: a unit's name in Chinese`, unitName);
  t.ok(await page.evaluate(() => document.fonts.check('16px "Noto Sans CJK SC"', "排名")),
    `${what}: document.fonts finds Noto Sans CJK SC for 排名`);

  const png = path.join(out, `${d.scheme}-${d.period}.png`);
  await page.emulateMedia({ media: "screen" });
  await page.screenshot({ path: png });
  const size = fs.existsSync(png) ? pngSize(png) : null;
  t.eq(`${what}: a PNG screenshot of the viewport`, { w: 1280, h: 1000 }, size);

  const pdf = path.join(out, `${d.scheme}-${d.period}.pdf`);
  await page.pdf({ path: pdf, format: "A4", printBackground: true, preferCSSPageSize: true });
  checkPdf(`${what} (Playwright)`, pdf, 3, ["排名", unitName.trim()]);
  const after = w.problems();
  t.ok(after.length === 0, `${what}: no console error while printing`, JSON.stringify(after));
  await ctx.close();
}
await browser.close();

// The command an operator would use, started beside the Playwright checks (it spends most of
// its time waiting, so the two overlap).
if (cli) {
  const r = await cli.done;
  t.ok(r.code === 0, "chromium --headless --print-to-pdf exits 0", `${r.code} ${r.signal || ""}\n${r.stderr.slice(-800)}`);
  checkPdf("chromium --print-to-pdf", cli.pdf, 3, ["排名"]);
  // page 1 is the 通报 itself (issue 18 §1): the 总体情况 and the rankings, with page numbers
  if (PDFTOTEXT) {
    const first = spawnSync("pdftotext", ["-enc", "UTF-8", "-f", "1", "-l", "1", cli.pdf, "-"], { encoding: "utf8" }).stdout || "";
    for (const n of ["汕尾市政务服务数据管理局", "汕数评〔2021〕5号", "一、总体情况", "共 ", "二、排名情况", "第 1 页"])
      t.ok(first.includes(n), `chromium --print-to-pdf: page 1 has ${n}`, first.slice(0, 400));
  }
}

// `pinggu report --format pdf`: the same HTML printed by chromium for the operator (issue 18
// §3). Every font embedded (pdffonts' emb column), page 1 the 通报 with 总体情况 and 文号.
{
  const pout = path.join(out, "pdf");
  fs.mkdirSync(pout);
  const r = spawnSync(bin, ["report", "--rules", rules, "--data", path.join(rules, "sample"), "--scheme", "monthly",
    "--period", "2021-05", "--format", "pdf", "--out", pout], { encoding: "utf8",
    env: { ...process.env, PINGGU_CHROMIUM: L.CHROMIUM } });
  const pdf = path.join(pout, "monthly-2021-05.pdf");
  t.ok(r.status === 0 && fs.existsSync(pdf), "pinggu report --format pdf writes the PDF", `exit ${r.status}\n${r.stderr}`);
  t.eq("… and names it on stdout", pdf, (r.stdout || "").trim());
  if (fs.existsSync(pdf)) {
    checkPdf("pinggu report --format pdf", pdf, 3, ["排名"]);
    const fonts = spawnSync("pdffonts", [pdf], { encoding: "utf8" });
    const rows = (fonts.stdout || "").split("\n").slice(2).filter((l) => l.trim());
    t.ok(fonts.status === 0 && rows.length > 0, "pdffonts lists the PDF's fonts", fonts.stderr);
    // columns: name type encoding emb sub uni object ID — emb is the 4th from the end
    const unembedded = rows.filter((l) => l.trim().split(/\s+/).slice(-5)[0] !== "yes");
    t.ok(unembedded.length === 0, "every font of the PDF is embedded", unembedded.join("\n"));
    const first = spawnSync("pdftotext", ["-enc", "UTF-8", "-f", "1", "-l", "1", pdf, "-"], { encoding: "utf8" }).stdout || "";
    for (const n of ["总体情况", "汕数评〔2021〕5号"])
      t.ok(first.includes(n), `pinggu report --format pdf: page 1 has ${n}`, first.slice(0, 400));
  }
  const bad = spawnSync(bin, ["report", "--rules", rules, "--data", path.join(rules, "sample"), "--scheme", "monthly",
    "--period", "2021-05", "--format", "pdf", "--out", pout], { encoding: "utf8",
    env: { ...process.env, PINGGU_CHROMIUM: "/nonexistent/chromium" } });
  t.ok(bad.status === 1 && /cannot start \/nonexistent\/chromium/.test(bad.stderr) &&
    !fs.existsSync(pdf), "no browser: exit 1, saying which, and no stale PDF left", `${bad.status} ${bad.stderr}`);
}

L.cleanup();
process.exit(t.summary());
