// rules.mjs — the 规则 tab's record of rule changes and the banner of a rule file that fails to
// load, in a real browser on the real `pinggu serve` (issue 17 §1, §5):
//   - before any edit the tab says there is no change on record;
//   - after the monthly weights are saved, the tab lists the swap with who made it (the file's
//     owner) and each change in the words of GET /rules/changes;
//   - a save with a missing comma: every staff page shows a banner with the file:line and the
//     message of /rules/status (with the syntax hint), and the tab lists the failed reload;
//     a unit sees no banner (it may not read the reload status);
//   - the fix takes the banner away;
//   - no page logs a console error, throws, or has a request fail.
import fs from "node:fs";
import os from "node:os";
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.rules");

const ws = L.workspace(root, "web-rules");
const { tok, config } = L.tokens(bin, ws);
const host = await L.Host.start({ bin, rules: ws + "/rules", data: ws + "/data", config });
const browser = await L.browser(pw);
const me = os.userInfo().username;

const login = (token) => L.login(browser, host.base, token, settled);

async function settled(page) {
  await page.waitForFunction(() => !document.querySelector("#view > p.muted") ||
    document.querySelector("#view > p.muted").textContent !== "加载中…");
  // a view being drawn keeps the one before on the page, marked busy (web/js/app.js)
  await page.waitForFunction(() => !document.querySelector("#view[aria-busy]"));
  await page.waitForLoadState("networkidle");
}

function clean(w, what) {
  const p = w.problems();
  t.ok(p.length === 0, `${what}: no console error, exception, failed request or HTTP error`,
    JSON.stringify(p, null, 1));
  w.reset();
}

// Saves like an editor: a temporary file renamed over the original.
function save(file, text) {
  fs.writeFileSync(file + ".swp", text);
  fs.renameSync(file + ".swp", file);
}

async function until(what, fn) {
  for (let i = 0; i < 400; i++) {
    const v = await fn();
    if (v) return v;
    await L.sleep(50);
  }
  t.ok(false, what);
  return null;
}

async function openRules(page) {
  await page.click('#tabs button:text-is("规则")');
  await page.waitForSelector("#view h3");
  await settled(page);
}

const { page, w, ctx } = await login(tok.evaluator);
await openRules(page);
t.ok((await page.textContent("#view")).includes("审计日志中尚无本年度的规则变更。"), "no change on record yet");
t.ok(await page.$eval("#rules-banner", (b) => b.hidden), "no banner while the rules load");
clean(w, "the rules tab");

// 1. The monthly weights change.
const status0 = await host.get("rules/status", tok.admin);
const schemes = ws + "/rules/schemes.lua";
const src = fs.readFileSync(schemes, "utf8");
const edited = src.replace('{ id = "monitoring", weight = 0.8 }', '{ id = "monitoring", weight = 0.7 }')
  .replace('{ id = "platforms",  weight = 0.2 }', '{ id = "platforms",  weight = 0.3 }');
t.ok(edited !== src, "the monthly weights are edited");
save(schemes, edited);
await until("the edit is swapped in", async () =>
  (await host.get("rules/status", tok.admin)).revision !== status0.revision);
const api = await host.get("rules/changes", tok.evaluator);
t.eq("the API lists one swap", 1, api.entries.length);
await openRules(page);
const rows = await L.rows(page, "#view .rule-changes tbody tr");
t.eq("one row on the page", 1, rows.length);
const row = rows[0] || [];
t.eq("who: the file's owner", "file-owner:" + me, row[1]);
t.eq("what triggered it", "保存文件", row[2]);
const items = await page.$$eval("#view .rule-changes tbody tr:first-child li", (li) => li.map((x) => x.textContent));
t.eq("each change in the API's words", api.entries[0].changes.map((c) => c.text), items);
t.ok(items.includes("scheme monthly part monitoring: weight 0.8 → 0.7"), "the weight change reads as words", items);
clean(w, "the rules tab after a swap");

// 2. A missing comma in monitoring.lua.
const mon = ws + "/rules/monitoring.lua";
const good = fs.readFileSync(mon, "utf8");
const field = "points = { dept = 10, county = 8 },\n";
const at = good.indexOf(field);
t.ok(at > 0, "the test finds a field to break");
save(mon, good.slice(0, at) + field.replace(",\n", "\n") + good.slice(at + field.length));
const failing = await until("the failed attempt shows in the status", async () => {
  const s = await host.get("rules/status", tok.admin);
  return s.last_attempt && !s.last_attempt.ok ? s : null;
});
const err = failing ? failing.last_attempt.errors[0] : {};
t.ok((err.message || "").includes("hint: a ',' may be missing"), "the error carries the hint", err.message);
await page.click('#tabs button:text-is("排名")');
await settled(page);
await page.waitForSelector("#rules-banner:not([hidden])");
const banner = await page.textContent("#rules-banner");
// the file within the rule set and its line, never where the server keeps it
const where = `${err.file.split("/").slice(-2).join("/")}：第 ${err.line} 行`;
t.ok(banner.includes(where), "the banner names the file:line", banner);
t.ok(!banner.includes(ws), "… not the server's path", banner);
t.ok(banner.includes(err.message), "… and the message", banner);
t.ok(banner.includes("仍在使用上一版本"), "… and says the last good rules still serve", banner);
await openRules(page);
const rows2 = await L.rows(page, "#view .rule-changes tbody tr");
t.eq("the failed reload is on record, newest first", 2, rows2.length);
t.ok((rows2[0] || [])[3] === "载入失败（未生效）", "… as a failure", rows2[0]);
t.ok(((rows2[0] || [])[4] || "").includes(where), "… with its file:line", rows2[0]);
clean(w, "pages with the banner");

{
  const { page: up, w: uw, ctx: uctx } = await login(tok.lufeng);
  t.ok(await up.$eval("#rules-banner", (b) => b.hidden), "a unit sees no banner");
  clean(uw, "a unit's page");
  await uctx.close();
}

// 3. The fix.
save(mon, good);
await until("the fixed file loads", async () => {
  const s = await host.get("rules/status", tok.admin);
  return s.last_attempt && s.last_attempt.ok;
});
await page.click('#tabs button:text-is("排名")');
await settled(page);
await page.waitForSelector("#rules-banner[hidden]", { state: "attached" });
t.ok(await page.$eval("#rules-banner", (b) => b.hidden), "the banner goes once the files load");
clean(w, "after the fix");
await ctx.close();

await browser.close();
t.ok(await host.stop(), "SIGTERM stops the host cleanly", host.log().slice(-300));
L.cleanup();
process.exit(t.summary());
