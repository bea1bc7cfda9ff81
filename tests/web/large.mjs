// large.mjs — the dashboard with a province's number of units (issue 19 §7): the Shanwei rule set
// with its 36 units repeated nine times (324 units: 63 counties, 261 departments; copies named
// 市教育局（3）, id jiaoyu_3, code 441599002003, 简称 市教育局3, their fed values moved by a
// deterministic ±10 % as tools/bench/province-run does), on the real `pinggu serve`:
//   - the ranking of a 261-unit group is paged: at most 50 rows in the page, 上一页/下一页 (and the
//     keyboard) turn to the API's next 50, the indicator says which page of how many;
//   - its chart has the top 10 and bottom 10 bars (the API's) and a distribution: a histogram
//     counting every unit of the group and a box plot whose median is the API's totals' median;
//   - the search box finds a unit by its name, its 简称, its code (also typed full-width) and
//     after an input method commits Chinese (not on the pinyin being composed); picking one in the
//     other group opens that group on the page holding its row, marked, and marks its bar and its
//     place on the distribution;
//   - the 排名 tab reads only the group it shows (GET /rankings/…?group=G; every rankings request
//     carries ?group=, and the bytes read for the 63-unit group are under half the whole ranking's);
//   - the unit tab draws the period's breakdown before the year's trend has come (the trend box
//     aria-busy meanwhile), asks for the trend with one series request and asks for no other
//     period's breakdown and no group's ranking: its 名次变化 is its own ranking line (GET
//     /units/{unit}/ranking, the row only, refused to another unit's token and to a viewer); the
//     问题清单 of every unit is paged and searched;
//   - a unit's token opens the ranking on its own group and page, its row marked, no search box;
//   - a viewer's published bulletin pages its tables and finds a unit; staff's lost points are
//     shown fifty units a page; the documents list a PDF of each large group's 附件 (its units'
//     sections), the 通报 page links it, and it prints: a PDF with every font embedded (pdffonts)
//     holding the group's units (pdftotext);
//   - on a phone nothing runs off the screen sideways; no console error or failed request.
// Screenshots of the ranking tab go to BUILD/tests/web/large/ (ranking-desktop.png,
// ranking-phone.png, ranking-found-*.png) for a person to look at.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.large");
const shots = path.join(path.dirname(nodeDir), "large");
fs.mkdirSync(shots, { recursive: true });
const COPIES = 9;
const PAGE = 50;

// ---- the rule set with 324 units and their fed values ----------------------------------------
const ws = L.workspace(root, "large");
const base = fs.readFileSync(path.join(ws, "rules/units.csv"), "utf8").trim().split("\n");
const header = base[0];
const out = [header];
const copiesOf = new Map(); // base id -> [ids]
for (let k = 0; k < COPIES; k++) {
  for (const line of base.slice(1)) {
    const [id, name, group, code, kind, aliases, short] = line.split(",");
    const nid = k === 0 ? id : `${id}_${k}`;
    out.push(k === 0 ? line : [nid, `${name}（${k}）`, group, code + String(k).padStart(3, "0"), "nonstandard", "",
      short ? short + k : ""].join(","));
    if (!copiesOf.has(id)) copiesOf.set(id, []);
    copiesOf.get(id).push(nid);
  }
}
fs.writeFileSync(path.join(ws, "rules/units.csv"), out.join("\n") + "\n");
// a deterministic number in [0, 1) of a string (FNV-1a), as province-run
const h01 = (s) => {
  let x = 2166136261;
  for (const b of Buffer.from(s)) x = Math.imul(x ^ b, 16777619) >>> 0;
  return x / 4294967296;
};
const moved = (v, n, key) => {
  const x = Number(v);
  if (v === "" || !Number.isFinite(x)) return v;
  const f = 0.9 + 0.2 * h01(key);
  if (Number.isInteger(x) && !v.includes(".")) return String(Math.round(x * f));
  if (n !== "" && x >= 0 && x <= 1) return Math.min(1, x * f).toFixed(4);
  return (x * f).toFixed(4);
};
for (const f of fs.readdirSync(path.join(ws, "data")).filter((f) => f.endsWith(".csv"))) {
  const lines = fs.readFileSync(path.join(ws, "data", f), "utf8").trim().split("\n");
  const rows = [lines[0]];
  for (const line of lines.slice(1)) {
    const [unit, period, metric, value, n = ""] = line.split(",");
    (copiesOf.get(unit) || [unit]).forEach((nid, i) =>
      rows.push([nid, period, metric, i === 0 ? value : moved(value, n, nid + period + metric), n].join(",")));
  }
  fs.writeFileSync(path.join(ws, "data", f), rows.join("\n") + "\n");
}

const { tok, config } = L.tokens(bin, ws);
const host = await L.Host.start({ bin, rules: ws + "/rules", data: ws + "/data", config });
const browser = await L.browser(pw);
const PERIOD = "2021-12";

const units = (await host.get("units", tok.evaluator)).units;
t.eq("the host serves 324 units", 36 * COPIES, units.length);
const api = await host.get(`rankings/monthly/${PERIOD}`, tok.evaluator);
const dept = api.groups.find((g) => g.id === "dept");
const county = api.groups.find((g) => g.id === "county");
t.ok(dept && dept.ranking.length > 5 * PAGE, "the department group is long", dept && dept.ranking.length);
t.ok(county && county.ranking.length > 30, "the county group is longer than a chart's bars", county && county.ranking.length);

// Runs `act` and waits until the view has been drawn again after it (tour.mjs's settled).
async function settled(page, act) {
  const before = await page.$eval("#view", (v) => Number(v.dataset.drawn || 0)).catch(() => 0);
  if (act) await act();
  await page.waitForFunction((n) => {
    const v = document.querySelector("#view");
    return Number(v.dataset.drawn || 0) > n && !v.hasAttribute("aria-busy");
  }, before, { timeout: 60000 });
  await page.waitForTimeout(50);
}

async function login(token, viewport = { width: 1280, height: 900 }, mobile = false) {
  const ctx = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: "zh-CN",
    timezoneId: "Asia/Shanghai" });
  const page = await ctx.newPage();
  const w = L.watch(page);
  await page.goto(host.base + "/");
  await page.fill("#token", token);
  await settled(page, () => page.click("#login-form button[type=submit]"));
  return { ctx, page, w };
}

const ranks = (page) => page.$$eval("#view table.ranking tbody tr", (trs) => trs.map((tr) => tr.dataset.unit));
const pageNo = (page, sel = "#view .pager .pageno") => page.textContent(sel);
const noProblems = async (page, w, what) => {
  const text = await page.textContent("#view");
  t.ok(!/\b(null|undefined|NaN)\b/.test(text), `${what}: no null, undefined or NaN on the page`,
    (/.{0,40}\b(null|undefined|NaN)\b.{0,40}/.exec(text) || [""])[0]);
  const p = w.problems();
  t.ok(p.length === 0, `${what}: no console error, exception or failed request`, JSON.stringify(p, null, 1));
  w.reset();
};

// The chart of a group: the bars (by unit), the histogram's counts and the box plot's median.
const chart = (page) => page.evaluate(() => ({
  bars: [...document.querySelectorAll("#view svg.chart rect.bar")].map((r) => r.dataset.unit),
  current: [...document.querySelectorAll("#view svg.chart rect.bar.current")].map((r) => r.dataset.unit),
  hist: [...document.querySelectorAll("#view svg.chart rect.hist")].map((r) => Number(r.dataset.count)),
  median: Number(document.querySelector("#view svg.chart g.box")?.dataset.median),
  mark: document.querySelector("#view svg.dist g.current")?.dataset.value,
  height: Math.max(0, ...[...document.querySelectorAll("#view svg.chart")].map((s) => s.getBoundingClientRect().height)),
}));

function median(xs) {
  const v = xs.slice().sort((a, b) => a - b);
  const h = (v.length - 1) / 2, lo = Math.floor(h);
  return lo + 1 < v.length ? v[lo] + (h - lo) * (v[lo + 1] - v[lo]) : v[lo];
}

// ---- staff: the ranking, paged, its chart, the search box ---------------------------------------
{
  const { ctx, page, w } = await login(tok.evaluator);
  const rankingReads = [];
  page.on("response", async (r) => {
    if (!r.url().includes("/api/v1/rankings/")) return;
    const u = new URL(r.url());
    rankingReads.push({ url: u.pathname + u.search, bytes: (await r.body().catch(() => Buffer.alloc(0))).length });
  });
  t.ok(page.url().endsWith("#/rank"), "staff land on the ranking", page.url());
  t.eq("on the latest period", PERIOD, await page.$eval("select[aria-label=期次]", (s) => s.value));
  await settled(page, () => page.click(`#view .groups button:text-is("${dept.name}")`));
  t.eq(`page 1 of ${dept.name}: the API's first ${PAGE}`, dept.ranking.slice(0, PAGE).map((r) => r.unit), await ranks(page));
  const pages = Math.ceil(dept.ranking.length / PAGE);
  t.eq("the page indicator", `第 1 / ${pages} 页（第 1–${PAGE} 行，共 ${dept.ranking.length} 行）`, await pageNo(page));
  const nodes = await page.$$eval("#view *", (n) => n.length);
  t.ok(nodes < 4000, `the view is bounded: ${nodes} elements for ${dept.ranking.length} units`);
  t.ok(await page.$eval('#view .pager button[data-go="prev"]', (b) => b.disabled), "上一页 is disabled on page 1");
  await page.click('#view .pager button[data-go="next"]');
  t.eq("下一页 shows the API's next 50", dept.ranking.slice(PAGE, 2 * PAGE).map((r) => r.unit), await ranks(page));
  const cells = (await L.rows(page, "#view table.ranking tbody tr"))[0];
  t.eq("a row of page 2 reads as the API's", [String(dept.ranking[PAGE].rank), dept.ranking[PAGE].name, L.pointsShown(dept, api.scheme.parts)(dept.ranking[PAGE].total)],
    cells.slice(0, 3));
  // the keyboard: the focus stays on 下一页, Enter and Space turn on
  t.eq("the focus stays on the button pressed", "下一页", await page.evaluate(() => document.activeElement.textContent));
  await page.keyboard.press("Enter");
  t.eq("Enter on 下一页 turns to page 3", dept.ranking.slice(2 * PAGE, 3 * PAGE).map((r) => r.unit), await ranks(page));
  await page.click('#view .pager button[data-go="last"]');
  t.eq("末页 shows the last units", dept.ranking.slice((pages - 1) * PAGE).map((r) => r.unit), await ranks(page));
  t.ok(await page.evaluate(() => document.activeElement.dataset.go === "prev" || document.activeElement.dataset.go === "last"),
    "the focus is kept on the pager on the last page");
  await page.focus('#view .pager button[data-go="prev"]');
  await page.keyboard.press("Space");
  t.eq("Space on 上一页 turns back", `第 ${pages - 1} / ${pages} 页`, (await pageNo(page)).slice(0, `第 ${pages - 1} / ${pages} 页`.length));

  // the chart: 10 best, 10 worst, and the distribution of all of them
  const c = await chart(page);
  t.eq("the chart's bars are the top 10 and the bottom 10", [...dept.ranking.slice(0, 10), ...dept.ranking.slice(-10)].map((r) => r.unit), c.bars);
  t.eq("the histogram counts every unit of the group", dept.ranking.length, c.hist.reduce((a, b) => a + b, 0));
  t.ok(c.hist.length >= 3 && c.hist.length <= 20, "a histogram of a few bins", c.hist.length);
  t.ok(Math.abs(c.median - median(dept.ranking.map((r) => r.total))) < 1e-9, "the box plot's median is the totals' median",
    `${c.median} against ${median(dept.ranking.map((r) => r.total))}`);
  t.ok(c.height < 800, `the charts are not a bar per unit (${Math.round(c.height)} px tall)`);
  t.ok(await page.$eval("#view svg.dist g.box title", (x) => x.textContent.includes("中位数")), "the box says its figures in words");
  await page.screenshot({ path: path.join(shots, "ranking-desktop.png"), fullPage: true });

  // the rank intervals of a long group: the chart has its first and last 10, the table every unit
  await page.click("#view .stability button");
  await page.waitForSelector("#view .stability svg.intervals", { timeout: 120000 });
  t.eq("the intervals chart has the first and last 10", [...dept.ranking.slice(0, 10), ...dept.ranking.slice(-10)].map((r) => r.unit),
    await page.$$eval("#view .stability svg.intervals g[data-unit]", (g) => g.map((x) => x.dataset.unit)));
  t.eq("its table is a page of 50", PAGE, await page.$$eval("#view .stability table tbody tr", (x) => x.length));

  // the search box: by name, in the other group; the group opens on the unit's page, marked
  const target = county.ranking[Math.floor(county.ranking.length / 2)];
  const tu = units.find((u) => u.id === target.unit);
  await page.fill("#view .search input", target.name);
  const listed = await page.$$eval("#view .search [role=option]", (o) => o.map((x) => x.dataset.unit));
  t.eq("the name finds the unit first", target.unit, listed[0]);
  t.ok((await page.textContent("#view .search [role=option]")).includes(county.name), "the match says its group");
  await settled(page, () => page.keyboard.press("Enter"));
  t.eq("its group is opened", county.name, await page.textContent('#view .groups button[aria-selected="true"]'));
  const at = county.ranking.findIndex((r) => r.unit === target.unit);
  t.eq("on the page holding its row", `第 ${Math.floor(at / PAGE) + 1} / ${Math.ceil(county.ranking.length / PAGE)} 页`,
    (await pageNo(page)).split("（")[0]);
  t.eq("its row is marked", [target.unit], await page.$$eval("#view tbody tr[aria-current]", (x) => x.map((r) => r.dataset.unit)));
  t.eq("and has the focus", target.unit, await page.evaluate(() => document.activeElement.dataset.unit));
  const c2 = await chart(page);
  t.eq("its bar is drawn among the top and bottom, marked", [target.unit], c2.current);
  t.eq("21 bars: the top 10, the unit, the bottom 10", 21, c2.bars.length);
  t.eq("its place on the distribution", String(target.total), c2.mark);
  await page.screenshot({ path: path.join(shots, "ranking-found-desktop.png"), fullPage: true });
  await page.fill("#view .search input", target.name);
  t.ok((await page.textContent("#view .search [role=option]")).includes(`第 ${target.rank} 名`),
    "in the group shown, the match says its rank");
  await page.fill("#view .search input", "");
  // only the group shown was read: never the whole ranking, and the county's read is small
  const whole = (await host.api("GET", `rankings/monthly/${PERIOD}`, tok.evaluator)).text.length;
  t.ok(rankingReads.length >= 2 && rankingReads.every((r) => r.url.includes("?group=")),
    "every ranking read names its group", JSON.stringify(rankingReads.map((r) => r.url)));
  const countyRead = rankingReads.filter((r) => r.url.endsWith("?group=county")).pop();
  t.ok(countyRead && countyRead.bytes > 0 && countyRead.bytes < whole / 2,
    `the county group's read is a part of the whole ranking (${countyRead && countyRead.bytes} of ${whole} bytes)`);

  // by code, by code typed full-width, by 简称
  const other = dept.ranking[dept.ranking.length - 3];
  const ou = units.find((u) => u.id === other.unit);
  await page.fill("#view .search input", ou.code);
  t.eq("the code finds the unit", [other.unit], await page.$$eval("#view .search [role=option]", (o) => o.map((x) => x.dataset.unit)));
  const wide = [...ou.code].map((ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join("");
  await page.fill("#view .search input", wide);
  t.eq("the code typed full-width finds it too", [other.unit], await page.$$eval("#view .search [role=option]", (o) => o.map((x) => x.dataset.unit)));
  const withShort = units.find((u) => u.short && u.id.endsWith("_7"));
  await page.fill("#view .search input", withShort.short);
  t.eq("the 简称 finds the unit", withShort.id, await page.$eval("#view .search [role=option]", (o) => o.dataset.unit));
  await page.fill("#view .search input", "没有这个单位");
  t.ok((await page.textContent("#view .search .found-note")).includes("没有"), "no match says so");
  await settled(page, async () => {
    await page.fill("#view .search input", ou.code);
    await page.click(`#view .search [role=option][data-unit="${other.unit}"]`);
  });
  t.eq("a click on a match opens its group", dept.name, await page.textContent('#view .groups button[aria-selected="true"]'));
  t.eq("a unit among the bottom 10 is marked among them", [other.unit], (await chart(page)).current);
  t.eq("… without a bar of its own", 20, (await chart(page)).bars.length);

  // the keyboard: the arrows move through the matches, Enter picks the one reached
  const jiaoyu = units.find((u) => u.id === "jiaoyu");
  await page.fill("#view .search input", jiaoyu.code);
  const many = await page.$$eval("#view .search [role=option]", (o) => o.map((x) => x.dataset.unit));
  t.eq("a code's prefix lists every copy, the exact code first", ["jiaoyu", ...Array.from({ length: COPIES - 1 }, (_, k) => `jiaoyu_${k + 1}`)], many);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  t.eq("ArrowDown marks the matches in turn", many[1], await page.$eval("#view .search [aria-selected=true]", (o) => o.dataset.unit));
  t.eq("… as the input's active descendant", await page.$eval("#view .search [aria-selected=true]", (o) => o.id),
    await page.$eval("#view .search input", (i) => i.getAttribute("aria-activedescendant")));
  await settled(page, () => page.keyboard.press("Enter"));
  t.eq("Enter picks the match reached", [many[1]], await page.$$eval("#view tbody tr[aria-current]", (x) => x.map((r) => r.dataset.unit)));

  // an input method: nothing is matched on the pinyin being composed, the committed Chinese is
  const cdp = await page.context().newCDPSession(page);
  await page.fill("#view .search input", "");
  await page.focus("#view .search input");
  await cdp.send("Input.imeSetComposition", { text: "shi", selectionStart: 3, selectionEnd: 3 });
  t.ok(await page.$eval("#view .search ul.found", (l) => l.hidden), "the pinyin being composed is not searched");
  await cdp.send("Input.insertText", { text: tu.name });
  await page.waitForFunction(() => !document.querySelector("#view .search ul.found").hidden, null, { timeout: 5000 }).catch(() => {});
  const ime = await page.$$eval("#view .search [role=option]", (o) => o.map((x) => x.dataset.unit));
  t.eq("the Chinese committed by the input method is", target.unit, ime[0]);
  await cdp.detach();
  await noProblems(page, w, "staff's ranking");

  // ---- the unit tab: drawn before the trend comes, one series request -----------------------
  const seen = [];
  page.on("request", (r) => { if (r.url().includes("/api/v1/")) seen.push(new URL(r.url()).pathname + new URL(r.url()).search); });
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route("**/api/v1/units/*/series*", async (route) => { await held; await route.continue(); });
  await settled(page, () => page.click('#tabs [role=tab]:text-is("单位")'));
  t.eq("a set of hundreds of units has no list of them", 0, await page.$$eval("select[aria-label=单位]", (s) => s.length));
  await page.fill("#view .search input", tu.code);
  await settled(page, () => page.keyboard.press("Enter"));
  t.ok(page.url().endsWith("#/unit/" + target.unit), "the search opens the unit", page.url());
  const cards = Object.fromEntries(await page.$$eval("#view .card", (cs) =>
    cs.map((c) => [c.querySelector(".k").textContent, c.querySelector(".v").textContent])));
  t.eq("the period's total is drawn while the trend is on its way", `${L.shown(target.total)} / ${api.scheme.max}`, cards["总分"]);
  t.eq("the trend box is marked busy meanwhile", "true", await page.$eval("#unit-trend", (b) => b.getAttribute("aria-busy")));
  t.eq("no trend drawn yet", 0, await page.$$eval("#unit-trend svg", (s) => s.length));
  release();
  await page.waitForFunction(() => !document.querySelector("#unit-trend").hasAttribute("aria-busy"), null, { timeout: 60000 });
  t.eq("then the trend: a point per month", 12, await page.$$eval("#unit-trend svg circle.dot", (c) => c.length));
  await page.waitForLoadState("networkidle");
  const series = seen.filter((p) => p.includes("/series"));
  t.eq("the trend is one series request", 1, series.length);
  const results = seen.filter((p) => p.startsWith("/api/v1/results/"));
  t.eq("and the only breakdown asked for is the period's", [`/api/v1/results/monthly/${PERIOD}/${target.unit}`], results);
  t.eq("no group's ranking is read for the unit's page", [], seen.filter((p) => p.startsWith("/api/v1/rankings/")));
  t.eq("its 名次变化 is read as its own ranking line",
    [`/api/v1/units/${target.unit}/ranking?scheme=monthly&period=${PERIOD}`], seen.filter((p) => p.includes("/ranking?")));
  await page.waitForFunction(() => !document.querySelector("#unit-movement")?.hasAttribute("aria-busy"), null, { timeout: 60000 });
  const mark = target.movement === "up" ? "↑" + (target.previous_rank - target.rank)
    : target.movement === "down" ? "↓" + (target.rank - target.previous_rank) : target.movement === "same" ? "=" : "新";
  t.eq("its 名次变化 is its ranking row's", mark, await page.$eval("#unit-movement .v", (c) => c.textContent));
  // the line read: the unit's own row only, a few hundred bytes against its group's ranking
  const line = await host.api("GET", `units/${target.unit}/ranking?scheme=monthly&period=${PERIOD}`, tok.evaluator);
  const grp = await host.api("GET", `rankings/monthly/${PERIOD}?group=county`, tok.evaluator);
  t.eq("the line holds the unit's row only", [target.unit], (line.json.groups[0].ranking || []).map((r) => r.unit));
  t.eq("… as the group's ranking has it", JSON.stringify(target), JSON.stringify(line.json.groups[0].ranking[0]));
  t.ok(line.text.length < 2000 && line.text.length * 10 < grp.text.length,
    `the line is a small read (${line.text.length} bytes against the group's ${grp.text.length})`);
  t.eq("a unit's token may not read another unit's line", 403,
    (await host.api("GET", `units/${dept.ranking[0].unit}/ranking?scheme=monthly&period=${PERIOD}`, tok.lufeng)).status);
  t.eq("… nor a viewer", 403, (await host.api("GET", `units/lufeng/ranking?scheme=monthly&period=${PERIOD}`, tok.viewer)).status);
  await page.unroute("**/api/v1/units/*/series*");
  await page.screenshot({ path: path.join(shots, "unit-desktop.png"), fullPage: false });
  await noProblems(page, w, "staff's unit tab");

  // trees stay whole: the unit's indicators and the rule set's 指标体系 (their length is the rule
  // set's, not the number of units)
  const br = await host.get(`results/monthly/${PERIOD}/${target.unit}`, tok.evaluator);
  t.eq("the unit's indicator tree is whole", br.units[0].indicators.length,
    await page.$$eval("#unit-indicators tbody tr", (x) => x.length));
  t.eq("… with no pager", 0, await page.$$eval("#unit-indicators .pager", (x) => x.length));
  await settled(page, () => page.click('#tabs [role=tab]:text-is("规则")'));
  const rs = await host.get("rules", tok.evaluator);
  t.ok(rs.indicators.length > PAGE, "the rule set has more indicators than a page", rs.indicators.length);
  const trees = await page.$$eval("#view table", (ts) => ts.map((x) => x.tBodies[0].rows.length));
  t.ok(trees.includes(rs.indicators.length), "the 指标体系 is whole on the 规则 tab", trees.join(" "));
  await noProblems(page, w, "staff's 规则");

  // the 问题清单 of every unit: a page of rows, and the search box instead of a list of 324
  await settled(page, () => page.click('#tabs [role=tab]:text-is("问题清单")'));
  const items = (await host.get(`issues/monthly/${PERIOD}`, tok.evaluator)).items.length;
  const shown = await page.$$eval("#view table tbody tr", (x) => x.length);
  t.ok(items > PAGE && shown === PAGE, `the 问题清单 shows a page of its ${items} items (${shown})`);
  t.eq("and no list of the units", 0, await page.$$eval("select[aria-label=单位]", (s) => s.length));
  await page.fill("#view .search input", tu.name);
  await settled(page, () => page.keyboard.press("Enter"));
  t.ok(page.url().endsWith("#/issues/" + target.unit), "the search opens a unit's 问题清单", page.url());
  await noProblems(page, w, "staff's 问题清单");
  await ctx.close();
}

// ---- a phone: the same ranking fits the screen ---------------------------------------------------
{
  const { ctx, page, w } = await login(tok.evaluator, { width: 390, height: 844 }, true);
  await settled(page, () => page.click(`#view .groups button:text-is("${dept.name}")`));
  t.ok((await ranks(page)).length === PAGE, "a phone shows a page of 50 rows");
  const o = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, win: window.innerWidth }));
  t.ok(o.doc <= o.win, `a phone: the page does not scroll sideways (${o.doc} px in ${o.win})`);
  t.ok((await chart(page)).bars.length === 20, "a phone's chart has 20 bars");
  await page.screenshot({ path: path.join(shots, "ranking-phone.png"), fullPage: true });
  const pager = await page.$eval("#view .pager", (p) => p.getBoundingClientRect().height);
  t.ok(pager < 90, `a phone's pager is two lines at most (${pager} px)`);
  await page.fill("#view .search input", "市教育局（4）");
  await page.screenshot({ path: path.join(shots, "ranking-search-phone.png"), fullPage: false });
  const o2 = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, win: window.innerWidth }));
  t.ok(o2.doc <= o2.win, `a phone: the list of matches fits (${o2.doc} px in ${o2.win})`);
  await settled(page, () => page.keyboard.press("Enter"));
  t.eq("a phone finds 市教育局（4）", ["jiaoyu_4"], await page.$$eval("#view tbody tr[aria-current]", (x) => x.map((r) => r.dataset.unit)));
  await page.screenshot({ path: path.join(shots, "ranking-found-phone.png"), fullPage: true });
  await noProblems(page, w, "a phone's ranking");
  await ctx.close();
}

// ---- a unit's token -------------------------------------------------------------------------------
{
  const { ctx, page, w } = await login(tok.lufeng);
  const reads = [];
  page.on("request", (r) => { if (r.url().includes("/api/v1/rankings/")) reads.push(new URL(r.url()).search); });
  t.ok(page.url().endsWith("#/unit/lufeng"), "a unit lands on its own unit", page.url());
  t.eq("a unit has no search box on its unit", 0, await page.$$eval("#view .search", (x) => x.length));
  await settled(page, () => page.click('#tabs [role=tab]:text-is("排名")'));
  const mine = county.ranking.findIndex((r) => r.unit === "lufeng");
  t.eq("a unit's ranking opens on its own group", county.name, await page.textContent('#view .groups button[aria-selected="true"]'));
  t.eq("… on the page holding its row", county.ranking.slice(Math.floor(mine / PAGE) * PAGE, Math.floor(mine / PAGE) * PAGE + PAGE)
    .map((r) => r.unit), await ranks(page));
  t.eq("its row is marked", ["lufeng"], await page.$$eval("#view tbody tr[aria-current]", (x) => x.map((r) => r.dataset.unit)));
  t.eq("a unit has no search box on the ranking", 0, await page.$$eval("#view .search", (x) => x.length));
  const c = await chart(page);
  t.eq("its place on the distribution", String(county.ranking[mine].total), c.mark);
  t.eq("a unit's token reads its own group's ranking only", ["?group=county"], reads);
  await noProblems(page, w, "a unit's ranking");
  await ctx.close();
}

// ---- a published bulletin: a viewer finds a unit, staff's lost points a page at a time ----------
{
  const pub = await host.api("POST", "bulletins", tok.evaluator, { scheme: "monthly", period: PERIOD });
  t.ok(pub.status === 201 || pub.status === 200, "the bulletin is published", pub.status + " " + pub.text.slice(0, 300));
  const { ctx, page, w } = await login(tok.viewer);
  await settled(page, () => page.click("#view tbody tr.clickable"));
  const tables = await page.$$eval("#view .bulletin table.ranking", (ts) => ts.map((x) => x.tBodies[0].rows.length));
  t.ok(tables.length === 2 && tables.every((n) => n <= PAGE), "each group's table is a page at most", tables.join(" "));
  const pick = dept.ranking[3 * PAGE + 7];
  await page.fill("#view .search input", pick.name);
  await page.keyboard.press("Enter");
  await page.waitForSelector(`#view tbody tr[aria-current][data-unit="${pick.unit}"]`, { timeout: 5000 }).catch(() => {});
  t.eq("a viewer finds a unit in the bulletin", [pick.unit], await page.$$eval("#view tbody tr[aria-current]", (x) => x.map((r) => r.dataset.unit)));
  const pagers = await page.$$eval("#view .pager .pageno", (x) => x.map((p) => p.textContent.split("（")[0]));
  t.ok(pagers.includes(`第 4 / ${Math.ceil(dept.ranking.length / PAGE)} 页`), "on its page", pagers.join(" | "));
  await noProblems(page, w, "a viewer's bulletin");
  await ctx.close();

  const s = await login(tok.evaluator);
  await settled(s.page, () => s.page.click('#tabs [role=tab]:text-is("通报")'));
  await settled(s.page, () => s.page.click("#view tbody tr.clickable"));
  const details = await s.page.$$eval("#view .losses details", (d) => d.length);
  t.ok(details > 0 && details <= PAGE, `staff's lost points: a page of units (${details})`);
  const tablesIn = await s.page.$$eval("#view .losses table", (x) => x.length);
  t.eq("no unit's table is built before it is opened", 0, tablesIn);
  await s.page.click("#view .losses details summary");
  // the toggle event comes as a task after the click
  await s.page.waitForSelector("#view .losses details[open] table", { timeout: 5000 }).catch(() => {});
  t.eq("opening one builds its table", 1, await s.page.$$eval("#view .losses details[open] table", (x) => x.length));
  // each large group's 附件 of its units' sections has its PDF, linked on the 通报 page
  const annex = `monthly-${PERIOD}-units-county.pdf`;
  const docs = await host.get(`bulletins/monthly/${PERIOD}/1/documents`, tok.evaluator);
  const listed = new Map(docs.documents.map((d) => [d.name, d]));
  t.ok(listed.has(`monthly-${PERIOD}-units-county.html`) && listed.has(annex) && listed.has(`monthly-${PERIOD}-units-dept.pdf`),
    "the documents list a PDF of each group's 附件", [...listed.keys()].join(" "));
  t.eq("… not printed before it is asked for", null, listed.get(annex) && listed.get(annex).bytes);
  t.eq("the 通报 page links the 附件's PDF", [`${county.name}各单位明细（PDF 版）`],
    await s.page.$$eval(`#view .documents button[data-name="${annex}"]`, (x) => x.map((b) => b.textContent)));
  await noProblems(s.page, s.w, "staff's bulletin");
  await s.ctx.close();
  const res = await fetch(`${host.base}/api/v1/bulletins/monthly/${PERIOD}/1/documents/${annex}`,
    { headers: { Authorization: "Bearer " + tok.evaluator } });
  const pdf = Buffer.from(await res.arrayBuffer());
  t.eq("the 附件's PDF is printed on request", "200 %PDF-", `${res.status} ${pdf.subarray(0, 5).toString("latin1")}`);
  const file = path.join(shots, annex);
  fs.writeFileSync(file, pdf);
  const fonts = spawnSync("pdffonts", [file], { encoding: "utf8" });
  const rows = fonts.stdout.split("\n").slice(2).filter((l) => l.trim());
  // pdffonts' columns: name type encoding emb sub uni object ID; emb is the 4th from the end
  const bare = rows.filter((l) => l.trim().split(/\s+/).slice(-5)[0] !== "yes");
  t.ok(fonts.status === 0 && rows.length > 0 && bare.length === 0, `every font of the 附件's PDF is embedded (${rows.length} fonts)`,
    fonts.stderr + bare.join("\n"));
  const text = spawnSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).stdout || "";
  const last = county.ranking[county.ranking.length - 1];
  t.ok(text.includes(county.ranking[0].name) && text.includes(last.name), "the 附件's PDF holds the group's units",
    `${county.ranking[0].name} / ${last.name}`);
  t.ok(!text.includes(dept.ranking[0].name), "and not another group's", dept.ranking[0].name);
  const again = await host.get(`bulletins/monthly/${PERIOD}/1/documents`, tok.evaluator);
  const kept = again.documents.find((d) => d.name === annex);
  t.eq("then kept and listed with its size", pdf.length, kept && kept.bytes);
}

await browser.close();
t.ok(await host.stop(), "the host stops cleanly");
L.cleanup();
process.exit(t.summary());
