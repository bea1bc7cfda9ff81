// intervals.mjs — the rank intervals on the 排名 tab, in a real browser on the real
// `pinggu serve` (a copy of the Shanwei rule set and its fed sample):
//   - staff see a 排名稳定性 button under the ranking; clicking it draws one interval per ranked
//     unit of the group shown (svg.intervals) and a table, each row the API's own answer to
//     POST /api/v1/sensitivity with the same query (fetched in this test): unit, rank, median,
//     5%–95% interval, band kept;
//   - a unit's token has no such button (the API is staff only);
//   - no console error, exception or failed request.
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.intervals");

const ws = L.workspace(root, "web-intervals");
const { tok, config } = L.tokens(bin, ws);
const host = await L.Host.start({ bin, rules: ws + "/rules", data: ws + "/data", config });
const browser = await L.browser(pw);

const login = (token) => L.login(browser, host.base, token);

{
  const { page, w, ctx } = await login(tok.evaluator);
  await page.selectOption("select[aria-label=期次]", "2021-03");
  await page.waitForFunction(() => document.querySelector("#view p.muted")?.textContent.includes("2021年3月"));
  await page.waitForLoadState("networkidle");
  await page.click("#view .stability button");
  await page.waitForSelector("#view svg.intervals");
  const api = await host.api("POST", "sensitivity?scheme=monthly&period=2021-03&draws=1000&spread=20&seed=1",
    tok.evaluator);
  t.eq("the API answers", 200, api.status);
  const groupName = await page.textContent('#view .groups button[aria-selected="true"]');
  const rankings = await host.get("rankings/monthly/2021-03", tok.evaluator);
  const g = rankings.groups.find((x) => x.name === groupName);
  const units = api.json.units.filter((u) => u.group === g.id && u.rank != null);
  t.ok(units.length > 5, "the group has ranked units", String(units.length));
  const bars = await page.$$eval("#view svg.intervals g[data-unit]", (gs) =>
    gs.map((x) => ({ unit: x.dataset.unit, name: x.querySelector("text").textContent,
      interval: x.querySelectorAll("text")[1].textContent })));
  t.eq("one interval per ranked unit, in rank order", units.map((u) => u.id), bars.map((b) => b.unit));
  units.forEach((u, i) => {
    t.eq(`${u.id}: its name`, u.name, bars[i] && bars[i].name);
    t.eq(`${u.id}: its 5%–95% interval`, `${u.rank_p05}–${u.rank_p95}`, bars[i] && bars[i].interval);
  });
  const rows = await L.rows(page, "#view .stability table tbody tr");
  t.eq("one table row per ranked unit", units.length, rows.length);
  units.forEach((u, i) => {
    const want = [String(u.rank), u.name, String(u.median_rank), `${u.rank_p05}–${u.rank_p95}`,
      u.band_keep == null ? "—" : (u.band_keep * 100).toFixed(1) + "%"];
    t.eq(`${u.id}: its row`, want, (rows[i] || []).slice(0, 5));
  });
  const p = w.problems();
  t.ok(p.length === 0, "staff: no console error, exception, failed request or HTTP error", JSON.stringify(p));
  await ctx.close();
}

{
  const { page, w, ctx } = await login(tok.lufeng);
  await page.goto(host.base + "/#/rank");
  await page.waitForSelector("#view table");
  await page.waitForLoadState("networkidle");
  t.eq("a unit's token has no 排名稳定性 button", 0, await page.locator("#view .stability").count());
  const p = w.problems();
  t.ok(p.length === 0, "unit: no console error", JSON.stringify(p));
  await ctx.close();
}

await browser.close();
t.ok(await host.stop(), "SIGTERM stops the host cleanly", host.log().slice(-300));
L.cleanup();
process.exit(t.summary());
