// rectify.mjs — the 整改 loop, self-reports and appeals through the dashboard, in a real browser
// on the real `pinggu serve` and its SQLite store (issue 18 §2):
//   - lufeng's 问题清单 tab for 2021-05 lists its items as the API does (same order, biggest
//     loss of the total first, each with its 整改要求 and deadline), flags the overdue ones;
//   - lufeng marks the first item 已整改 with a note and a link; the page and the API say
//     submitted; the evaluator, on lufeng's list, rejects it with a reason; lufeng marks it
//     again; the evaluator verifies it; the page and the API say verified, the item is no longer
//     逾期 and lufeng has no form left for it;
//   - the 自报与申诉 tab: lufeng submits a self-report and an appeal; the evaluator accepts the
//     self-report and upholds the appeal; each status reads as the API's;
//   - no page logs a console error, throws, or has a request fail or an HTTP error.
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.rectify");

const ws = L.workspace(root, "web-rectify");
const { tok, config } = L.tokens(bin, ws);
const host = await L.Host.start({ bin, rules: ws + "/rules", data: ws + "/data", config });
const browser = await L.browser(pw);
const PERIOD = "2021-05";

// A list evaluates the months around its period (and a sanitizer build on a busy machine is
// slow): the waits are generous; no check here is about time.
const WAIT = { timeout: 180000 };

async function settled(page) {
  await page.waitForFunction(() => !document.querySelector("#view > p.muted") ||
    document.querySelector("#view > p.muted").textContent !== "加载中…", null, WAIT);
  // a view being drawn keeps the one before on the page, marked busy (web/js/app.js)
  await page.waitForFunction(() => !document.querySelector("#view[aria-busy]"), null, WAIT);
  await page.waitForLoadState("networkidle");
}

// A fresh tab logged in with `token`, on `hash`, at 2021-05.
async function open(token, hash) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  const page = await ctx.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const w = L.watch(page);
  await page.goto(host.base + "/");
  await page.evaluate((p) => sessionStorage.setItem("pinggu.period", p), PERIOD);
  await page.fill("#token", token);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#tabs:not([hidden])", WAIT);
  await settled(page);
  // the page keeps the view it shows until the next is drawn, so wait for a new one
  await after(page, () => page.evaluate((h) => { location.hash = h; }, hash));
  await page.waitForSelector("#view h2", WAIT);
  return { page, w, ctx };
}

function clean(w, what) {
  const p = w.problems();
  t.ok(p.length === 0, `${what}: no console error, exception, failed request or HTTP error`, JSON.stringify(p, null, 1));
  w.reset();
}

const rowsOf = (page) => page.$$eval("#view tr.issue-item", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));

// Waits for the view to be drawn again after `fn` (a click that changes the store, a new
// hash): the view drawn before is marked, and the wait is for an unmarked one.
async function after(page, fn) {
  await page.evaluate(() => { const v = document.querySelector("#view > div"); if (v) v.dataset.stale = "1"; });
  await fn();
  await page.waitForSelector("#view > div:not([data-stale])", WAIT);
  await settled(page);
}

try {
  const api = await host.get(`issues/monthly/${PERIOD}?unit=lufeng`, tok.evaluator);
  const first = api.items[0];
  t.ok(api.items.length > 0, "lufeng has items in 2021-05");

  // ---- lufeng: its list, and the first mark ----
  const u = await open(tok.lufeng, "#/issues");
  let rows = await rowsOf(u.page);
  t.eq("the list has the API's items, in its order", api.items.map((x) => x.name),
    rows.map((r) => r[0].replace(/逾期|连续失分/g, "").trim()));
  t.eq("the first item's lost points of the total", L.shown(first.lost_total), rows[0][1]);
  t.ok(rows[0][4].includes(first.rectify), "its 整改要求", rows[0][4]);
  t.eq("its deadline", first.due, rows[0][5]);
  t.eq("its responsible unit", first.unit_name, rows[0][6]);
  t.ok(rows[0][0].includes("逾期"), "an overdue item is flagged 逾期 (the deadline has passed)", rows[0][0]);
  const form = u.page.locator("#view tr.issue-item").first();
  await form.locator("textarea").fill("已逐件核查超期办件并整改");
  await form.locator('input[type="url"]').fill("https://example.cn/zhenggai/1");
  await after(u.page, () => form.locator("button[type=submit]").click());
  rows = await rowsOf(u.page);
  t.ok(rows[0][7].startsWith("已整改，待核实"), "the page says submitted", rows[0][7]);
  let recs = (await host.get(`rectifications?period=${PERIOD}`, tok.lufeng)).records;
  t.eq("the API says submitted", ["submitted"], recs.map((r) => r.status));
  clean(u.w, "lufeng marks an item");

  // ---- the evaluator rejects it ----
  const e = await open(tok.evaluator, "#/issues/lufeng");
  let row = e.page.locator("#view tr.issue-item").first();
  await row.locator('input[aria-label="核实意见"]').fill("佐证材料不足");
  await after(e.page, () => row.locator("button", { hasText: "不通过" }).click());
  rows = await rowsOf(e.page);
  t.ok(rows[0][7].startsWith("未通过核实"), "the page says rejected", rows[0][7]);
  t.ok(rows[0][7].includes("佐证材料不足"), "with the reason", rows[0][7]);
  recs = (await host.get(`rectifications?period=${PERIOD}`, tok.evaluator)).records;
  t.eq("the API says rejected", ["rejected"], recs.map((r) => r.status));

  // ---- lufeng marks it again; the evaluator verifies it ----
  await after(u.page, () => u.page.evaluate(() => { location.hash = "#/issues/"; }));
  const again = u.page.locator("#view tr.issue-item").first();
  t.eq("lufeng may mark it again", "重新提交整改", (await again.locator("button[type=submit]").textContent()).trim());
  await again.locator("textarea").fill("补充整改台账");
  await after(u.page, () => again.locator("button[type=submit]").click());
  await after(e.page, () => e.page.evaluate(() => { location.hash = "#/issues/lufeng/"; }));
  row = e.page.locator("#view tr.issue-item").first();
  await after(e.page, () => row.locator("button", { hasText: "核实通过" }).click());
  rows = await rowsOf(e.page);
  t.ok(rows[0][7].startsWith("已核实"), "the page says verified", rows[0][7]);
  t.ok(!rows[0][0].includes("逾期"), "no longer 逾期", rows[0][0]);
  recs = (await host.get(`rectifications?period=${PERIOD}`, tok.evaluator)).records;
  t.eq("the API says verified", ["verified"], recs.map((r) => r.status));
  await after(u.page, () => u.page.evaluate(() => { location.hash = "#/issues"; }));
  t.eq("lufeng has no form left for it", 0, await u.page.locator("#view tr.issue-item").first().locator("form").count());
  clean(u.w, "lufeng's list");
  clean(e.w, "the evaluator's list");

  // ---- 自报与申诉 ----
  await after(u.page, () => u.page.evaluate(() => { location.hash = "#/reports"; }));
  await u.page.fill('#selfreport-form input[aria-label="自报数据项"]', "ecert_calls_reported");
  await u.page.fill('#selfreport-form input[aria-label="自报数值"]', "12");
  await u.page.fill('#selfreport-form input[aria-label="佐证链接"]', "https://example.cn/zibao/1");
  await after(u.page, () => u.page.click("#selfreport-form button[type=submit]"));
  const claimFirst = await u.page.$eval('#appeal-form select', (s) => s.value);
  await u.page.fill("#appeal-form textarea", "该项数据统计口径有误");
  await after(u.page, () => u.page.click("#appeal-form button[type=submit]"));
  let sr = await L.rows(u.page, "#view tr.selfreport-row");
  let ap = await L.rows(u.page, "#view tr.appeal-row");
  t.eq("lufeng's self-report is listed, waiting", 1, sr.length);
  t.ok(sr[0] && sr[0].includes("待审核"), "待审核", JSON.stringify(sr));
  t.ok(ap[0] && ap[0].includes("待处理"), "the appeal waits", JSON.stringify(ap));
  clean(u.w, "lufeng's self-report and appeal");

  await after(e.page, () => e.page.evaluate(() => { location.hash = "#/reports"; }));
  const srRow = e.page.locator("#view tr.selfreport-row").first();
  await srRow.locator('input[aria-label="审核意见"]').fill("与系统数据一致");
  await after(e.page, () => srRow.locator("button", { hasText: "采纳" }).first().click());
  const apRow = e.page.locator("#view tr.appeal-row").first();
  await apRow.locator('input[aria-label="调整分值"]').fill("0.5");
  await apRow.locator('input[aria-label="处理意见"]').fill("口径有误，予以调整");
  await after(e.page, () => apRow.locator("button", { hasText: "支持" }).click());
  sr = await L.rows(e.page, "#view tr.selfreport-row");
  ap = await L.rows(e.page, "#view tr.appeal-row");
  t.ok(sr[0] && sr[0].includes("已采纳"), "the self-report reads accepted", JSON.stringify(sr));
  t.ok(ap[0] && ap[0].includes("支持") && ap[0].includes(L.shown(0.5)), "the appeal reads upheld with 0.5", JSON.stringify(ap));
  const srApi = (await host.get(`selfreports?period=${PERIOD}`, tok.evaluator)).records;
  const apApi = (await host.get(`appeals?period=${PERIOD}`, tok.evaluator)).records;
  t.eq("the API: accepted", ["accepted"], srApi.map((r) => r.status));
  t.eq("the API: upheld 0.5 on the indicator chosen", [["upheld", 0.5, claimFirst]],
    apApi.map((a) => [a.status, a.adjustment, a.indicator]));
  clean(e.w, "the evaluator's reviews");
  // the upheld appeal re-scored every period evaluated so far (the lists evaluate the months
  // around theirs): let that finish before stopping, as an operator's drain would
  for (let i = 0; i < 600; i++) {
    const m = await fetch(host.base + "/metrics", { headers: { Authorization: "Bearer " + tok.admin } }).then((r) => r.text());
    const pending = /^pinggu_jobs_pending (\d+)/m.exec(m);
    if (pending && pending[1] === "0") break;
    await L.sleep(200);
  }
  t.ok(await host.stop(), "the host stops cleanly");
} catch (err) {
  t.ok(false, "the test ran to its end", err && err.stack);
} finally {
  L.cleanup();
}
process.exit(t.summary());
