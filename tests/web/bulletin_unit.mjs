// bulletin_unit.mjs — a unit's user reads a published bulletin in parts (issue 19 §3: at 3,003
// units the whole view is 1 MB), in a real browser on the real `pinggu serve`:
//   - the 通报 page asks for the summary (?part=summary), its own group's ranking (?group=) and
//     its own slice (?unit=), and never for the whole view;
//   - it shows what the whole view showed it: who published it and when, the revision, its own
//     group's ranking (every row as the API's, its own row marked), its own lost points (open at
//     once, the biggest loss first), and every other group's ranking, read when its section is
//     opened (every row as the API's);
//   - staff still read the whole bulletin (one request without a query);
//   - no console error, failed request or HTTP error.
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.bulletin_unit");

const ws = L.workspace(root, "web-bulletin-unit");
const { tok, config } = L.tokens(bin, ws);
const host = await L.Host.start({ bin, rules: ws + "/rules", data: ws + "/data", config });
const browser = await L.browser(pw);
const B = "bulletins/monthly/2021-05";

const pub = await host.api("POST", "bulletins", tok.evaluator, { scheme: "monthly", period: "2021-05" });
t.eq("the May bulletin is published", 201, pub.status);
const whole = await host.get(B, tok.lufeng); // what the page read before: the unit's whole view
const units = (await host.get("units", tok.evaluator)).units;
const ownGroup = units.find((u) => u.id === "lufeng").group;

// The bulletin requests a page makes, as "path?query" after /api/v1/.
function bulletinReads(page) {
  const seen = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith("/api/v1/bulletins/")) seen.push(u.pathname.slice("/api/v1/".length) + u.search);
  });
  return seen;
}
async function settled(page) {
  await page.waitForSelector("#view .bulletin");
  await page.waitForFunction(() => !document.querySelector("#view[aria-busy], #view [aria-busy]"), null,
    { timeout: 30000 });
  await page.waitForLoadState("networkidle");
}
const cells = (page, sel) => page.$$eval(sel, (rows) => rows.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
function sameRanking(what, g, rows) {
  t.eq(`${what}: a row per ranked unit`, g.ranking.length, rows.length);
  t.eq(`${what}: ranks and names as the API's`, g.ranking.map((r) => [String(r.rank), r.name]),
    rows.map((r) => r.slice(0, 2)));
}

{
  const { page, w, ctx } = await L.login(browser, host.base, tok.lufeng);
  const reads = bulletinReads(page);
  await page.goto(host.base + "/#/bulletin/monthly/2021-05");
  await settled(page);
  t.eq("a unit's page reads the summary, its group and its slice, not the whole view",
    [`${B}?part=summary`, `${B}?group=${ownGroup}`, `${B}?unit=lufeng`].sort(), reads.slice().sort());
  const text = await page.textContent("#view .bulletin");
  t.ok(text.includes(`第 ${whole.bulletin.revision} 版（现行）`), "the revision, current", text.slice(0, 300));
  t.ok(text.includes(whole.bulletin.published_by), "who published it");
  const g = whole.result.groups.find((x) => x.id === ownGroup);
  sameRanking("its own group", g, await cells(page, "#view .own-group table.ranking tbody tr"));
  t.eq("its own row is marked", ["lufeng"],
    await page.$$eval("#view .own-group tr[aria-current]", (x) => x.map((r) => r.dataset.unit)));
  t.eq("its own lost points only", ["lufeng"],
    await page.$$eval("#view .losses details", (d) => d.map((x) => x.dataset.unit)));
  t.ok(await page.$eval('#view .losses details[data-unit="lufeng"]', (d) => d.open), "open at once");
  const u = whole.result.units.find((x) => x.unit === "lufeng");
  const worst = u.indicators.filter((i) => i.leaf && i.lost > 0).sort((a, c) => c.lost - a.lost)[0];
  const first = (await cells(page, '#view .losses details[data-unit="lufeng"] tbody tr'))[0] || [];
  t.eq("its biggest loss as the whole view has it", [worst.name, L.shown(worst.max), L.shown(worst.points),
    L.shown(worst.lost)], first.slice(0, 4));
  // every other group: closed, read when opened
  const others = whole.result.groups.filter((x) => x.id !== ownGroup);
  t.eq("a closed section per other group", others.map((x) => x.id),
    await page.$$eval("#view details.other-group", (d) => d.filter((x) => !x.open).map((x) => x.dataset.group)));
  for (const o of others) {
    reads.length = 0;
    await page.click(`#view details.other-group[data-group="${o.id}"] > summary`);
    await page.waitForSelector(`#view details.other-group[data-group="${o.id}"] table.ranking`);
    await settled(page);
    t.eq(`opening ${o.name} reads its ranking`, [`${B}?group=${o.id}`], reads);
    sameRanking(o.name, o, await cells(page, `#view details.other-group[data-group="${o.id}"] table.ranking tbody tr`));
  }
  const p = w.problems();
  t.ok(p.length === 0, "a unit's bulletin: no console error, failed request or HTTP error", JSON.stringify(p));
  await ctx.close();
}

{
  const { page, w, ctx } = await L.login(browser, host.base, tok.evaluator);
  const reads = bulletinReads(page);
  await page.goto(host.base + "/#/bulletin/monthly/2021-05");
  await settled(page);
  t.ok(reads.includes(B), "staff read the whole bulletin", JSON.stringify(reads));
  t.eq("staff see every group's table", whole.result.groups.length,
    await page.locator("#view .bulletin > .scroll > table").count());
  const p = w.problems();
  t.ok(p.length === 0, "staff's bulletin: no console error", JSON.stringify(p));
  await ctx.close();
}

await browser.close();
t.ok(await host.stop(), "SIGTERM stops the host cleanly", host.log().slice(-300));
L.cleanup();
process.exit(t.summary());
