// outdated.mjs — a live result served while its re-score runs (X-Pinggu-Outdated, checked on the
// host's side by serve.outdated) is said to be one on the dashboard, in a real browser on the
// real `pinggu serve`. The header is added by the test to the host's own answer (Playwright's
// route), once, so the page's handling is checked without racing a real re-score:
//   - the 排名 tab under an answer marked "data" says 数据已更新，正在重新计算 above the table
//     it draws (the previous figures), then reads the ranking again by itself, and the note goes;
//   - the unit page under an answer marked "rules" says 规则已更新 and draws itself again too;
//   - a current answer has no such note; no console error.
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.outdated");

const ws = L.workspace(root, "web-outdated");
const { tok, config } = L.tokens(bin, ws);
const host = await L.Host.start({ bin, rules: ws + "/rules", data: ws + "/data", config });
const browser = await L.browser(pw);

const login = (token) => L.login(browser, host.base, token);

{
  const { page, w, ctx } = await login(tok.evaluator);
  await page.waitForSelector("#view table");
  t.eq("a current ranking has no outdated note", 0, await page.locator("#view [data-outdated]").count());
  const seen = await L.markOnce(page, "**/api/v1/rankings/**", "data");
  await page.selectOption("select[aria-label=期次]", "2021-04");
  await page.waitForSelector('#view [data-outdated="data"]');
  const text = await page.textContent('#view [data-outdated="data"]');
  t.ok(text.includes("数据已更新") && text.includes("正在重新计算") && text.includes("上一次计算"),
    "a ranking marked outdated by data says so", text);
  t.ok(await page.locator("#view table").count() > 0, "… above the table it still draws");
  await page.waitForFunction(() => !document.querySelector("#view [data-outdated]") &&
    document.querySelector("#view table"), null, { timeout: 30000 });
  t.ok(seen.reads >= 2, "… then reads the ranking again by itself, and the note goes", String(seen.reads));
  const p = w.problems();
  t.ok(p.length === 0, "ranking: no console error, exception or failed request", JSON.stringify(p));
  await ctx.close();
}

{
  const { page, w, ctx } = await login(tok.lufeng);
  await page.goto(host.base + "/#/unit/lufeng");
  await page.waitForSelector("#view h2");
  const seen = await L.markOnce(page, "**/api/v1/results/**", "rules");
  await page.selectOption("select[aria-label=期次]", "2021-04");
  await page.waitForSelector('#view [data-outdated="rules"]');
  const text = await page.textContent('#view [data-outdated="rules"]');
  t.ok(text.includes("规则已更新") && text.includes("正在重新计算"), "a unit page marked outdated by rules says so", text);
  await page.waitForFunction(() => !document.querySelector("#view [data-outdated]") &&
    document.querySelector("#view h2"), null, { timeout: 30000 });
  t.ok(seen.reads >= 2, "… and draws itself again", String(seen.reads));
  const p = w.problems();
  t.ok(p.length === 0, "unit page: no console error", JSON.stringify(p));
  await ctx.close();
}

await browser.close();
t.ok(await host.stop(), "SIGTERM stops the host cleanly", host.log().slice(-300));
L.cleanup();
process.exit(t.summary());
