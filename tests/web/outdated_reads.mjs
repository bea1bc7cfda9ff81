// outdated_reads.mjs — the unit page's trend (GET /units/{unit}/series) and the 问题清单 tab (GET
// /issues/…) say when their answer draws on a result served while its re-score runs
// (X-Pinggu-Outdated, checked on the host's side by serve.outdated), as web.outdated checks for
// the 排名 tab and the unit page's own breakdown. The header is added by the test to the host's
// own answer (Playwright's route), once:
//   - the trend under a series marked "data" says 数据已更新，正在重新计算 above the chart it
//     still draws, then the page reads the series again by itself, and the note goes;
//   - the 问题清单 under a list marked "rules" says 规则已更新 above the list, is read again,
//     and the note goes; no console error.
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.outdated_reads");

const ws = L.workspace(root, "web-outdated-reads");
const { tok, config } = L.tokens(bin, ws);
const host = await L.Host.start({ bin, rules: ws + "/rules", data: ws + "/data", config });
const browser = await L.browser(pw);

{
  const { page, w, ctx } = await L.login(browser, host.base, tok.lufeng);
  await page.goto(host.base + "/#/unit/lufeng");
  await page.waitForSelector("#unit-trend:not([aria-busy])");
  t.eq("a current trend has no outdated note", 0, await page.locator("#view [data-outdated]").count());
  const seen = await L.markOnce(page, /\/api\/v1\/units\/[^/]+\/series\?/, "data");
  await page.selectOption("select[aria-label=期次]", "2021-04");
  await page.waitForSelector('#unit-trend [data-outdated="data"]');
  const text = await page.textContent('#unit-trend [data-outdated="data"]');
  t.ok(text.includes("数据已更新") && text.includes("正在重新计算") && text.includes("上一次计算"),
    "a trend marked outdated by data says so", text);
  t.ok(await page.locator("#unit-trend svg").count() > 0, "… above the chart it still draws");
  await page.waitForFunction(() => !document.querySelector("#view [data-outdated]") &&
    document.querySelector("#unit-trend:not([aria-busy]) svg"), null, { timeout: 30000 });
  t.ok(seen.reads >= 2, "… then reads the series again by itself, and the note goes", String(seen.reads));
  const p = w.problems();
  t.ok(p.length === 0, "trend: no console error, exception or failed request", JSON.stringify(p));
  await ctx.close();
}

{
  const { page, w, ctx } = await L.login(browser, host.base, tok.evaluator);
  await page.waitForSelector("#view table");
  const seen = await L.markOnce(page, /\/api\/v1\/issues\//, "rules");
  await page.goto(host.base + "/#/issues/lufeng");
  await page.waitForSelector('#view [data-outdated="rules"]');
  const text = await page.textContent('#view [data-outdated="rules"]');
  t.ok(text.includes("规则已更新") && text.includes("正在重新计算"), "a 问题清单 marked outdated by rules says so", text);
  t.ok(await page.locator("#view h2").count() > 0, "… with the list under it");
  await page.waitForFunction(() => !document.querySelector("#view [data-outdated]") &&
    document.querySelector("#view h2"), null, { timeout: 30000 });
  t.ok(seen.reads >= 2, "… then reads the list again by itself, and the note goes", String(seen.reads));
  const p = w.problems();
  t.ok(p.length === 0, "问题清单: no console error", JSON.stringify(p));
  await ctx.close();
}

await browser.close();
t.ok(await host.stop(), "SIGTERM stops the host cleanly", host.log().slice(-300));
L.cleanup();
process.exit(t.summary());
