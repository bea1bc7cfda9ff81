// rule_edits.mjs — editing rules on the 规则 tab, in a real browser on the real `pinggu serve`
// (issue 17 §4):
//   - an evaluator changes the monthly weights in their inputs, picks July as the effective
//     month, previews (the units whose rank or band moves, as the API's preview says), saves:
//     schemes.lua on disk changes by those two numbers, ruleset.lua gains the effective month,
//     and the tab's record lists the swap as the evaluator's, by a dashboard edit;
//   - two-person mode: the evaluator's change of a threshold is submitted for approval (the file
//     untouched), the evaluator is offered only 撤回 for it; the admin is offered 批准, approves,
//     and the file changes;
//   - no page logs a console error, throws, or has a request fail (the expected refusals aside).
import fs from "node:fs";
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.rule_edits");

const ws = L.workspace(root, "web-rule-edits");
const { tok, config } = L.tokens(bin, ws);
let host = await L.Host.start({ bin, rules: ws + "/rules", data: ws + "/data", config });
const browser = await L.browser(pw);

async function settled(page) {
  await page.waitForFunction(() => !document.querySelector("#view > p.muted") ||
    document.querySelector("#view > p.muted").textContent !== "加载中…");
  // a view being drawn keeps the one before on the page, marked busy (web/js/app.js)
  await page.waitForFunction(() => !document.querySelector("#view[aria-busy]"));
  await page.waitForLoadState("networkidle");
}

async function login(token) {
  const { page, w, ctx } = await L.login(browser, host.base, token, settled);
  await page.click('#tabs button:text-is("规则")');
  await page.waitForSelector("#edit-save");
  await settled(page);
  return { page, w, ctx };
}

function clean(w, what) {
  const p = w.problems();
  t.ok(p.length === 0, `${what}: no console error, exception, failed request or HTTP error`,
    JSON.stringify(p, null, 1));
  w.reset();
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

const schemes = ws + "/rules/schemes.lua", rsfile = ws + "/rules/ruleset.lua";
const mon = ws + "/rules/monitoring.lua";
const src = fs.readFileSync(schemes, "utf8"), rsrc = fs.readFileSync(rsfile, "utf8");

// 1. An evaluator's edit, previewed and saved.
{
  const { page, w, ctx } = await login(tok.evaluator);
  await page.fill('input[data-edit="weight|monthly|monitoring"]', "0.6");
  await page.fill('input[data-edit="weight|monthly|platforms"]', "0.4");
  await page.selectOption("#edit-effective", "2021-07");
  await page.selectOption("#edit-period", "2021-07");
  await page.click("#edit-preview");
  await page.waitForSelector("#view .edit-out h4");
  const api = await host.api("POST", "rules/preview?scheme=monthly&period=2021-07&effective=2021-07",
    tok.evaluator, { changes: [{ scheme: "monthly", part: "monitoring", weight: 0.6 },
      { scheme: "monthly", part: "platforms", weight: 0.4 }] });
  let moved = 0;
  for (const g of api.json.groups)
    for (const u of g.units) if (u.a.rank !== u.b.rank || u.a.band !== u.b.band) moved++;
  const shown = await page.$$eval("#view .edit-out tr.moved", (r) => r.length);
  t.eq("the preview marks the units whose rank or band moves, as the API says", moved, shown);
  t.ok(moved > 0, "… some do", moved);
  t.eq("nothing written by a preview", src, fs.readFileSync(schemes, "utf8"));
  await page.click("#edit-save");
  await page.waitForFunction(() => /已保存并生效/.test(document.querySelector(".edit-msg").textContent));
  const now = fs.readFileSync(schemes, "utf8");
  t.eq("schemes.lua: the two weights alone", src.replace('{ id = "monitoring", weight = 0.8 }',
    '{ id = "monitoring", weight = 0.6 }').replace('{ id = "platforms",  weight = 0.2 }',
    '{ id = "platforms",  weight = 0.4 }'), now);
  t.ok(fs.readFileSync(rsfile, "utf8").includes('\n  effective = "2021-07",\n'), "ruleset.lua: the effective month");
  await until("the tab shows the swap", async () => {
    await page.click('#tabs button:text-is("规则")');
    await settled(page);
    const rows = await L.rows(page, "#view .rule-changes tbody tr");
    return rows.length === 1 && rows[0][1] === "evaluator:evaluator" && rows[0][2] === "看板修改";
  });
  clean(w, "the rules tab after a dashboard edit");
  await ctx.close();
}
t.ok(await host.stop(), "SIGTERM stops the host cleanly");

// 2. Two-person mode.
fs.writeFileSync(config, fs.readFileSync(config, "utf8").replace('{ "tokens"',
  '{ "rule_edits": { "approval": "two_person" }, "tokens"'));
host = await L.Host.start({ bin, rules: ws + "/rules", data: ws + "/data", config });
const monsrc = fs.readFileSync(mon, "utf8");
{
  const { page, w, ctx } = await login(tok.evaluator);
  t.eq("the button says submit for approval", "提交审批", await page.textContent("#edit-save"));
  await page.fill('input[data-edit="param|mon_full_online|hi"]', "0.9");
  await page.click("#edit-save");
  await page.waitForFunction(() => /已提交审批/.test(document.querySelector(".edit-msg").textContent));
  t.eq("the file is untouched", monsrc, fs.readFileSync(mon, "utf8"));
  await page.click('#tabs button:text-is("规则")');
  await page.waitForSelector("#view .proposals tbody tr");
  await settled(page);
  const actions = await page.$$eval("#view .proposals tbody tr:first-child button", (b) => b.map((x) => x.dataset.action));
  t.eq("its author may only withdraw it", ["withdraw"], actions);
  clean(w, "the evaluator's proposal");
  await ctx.close();
}
{
  const { page, w, ctx } = await login(tok.admin);
  await page.waitForSelector("#view .proposals tbody tr");
  const actions = await page.$$eval("#view .proposals tbody tr:first-child button", (b) => b.map((x) => x.dataset.action));
  t.eq("another person may approve or reject it", ["approve", "reject"], actions);
  const text = await page.textContent("#view .proposals tbody tr:first-child");
  t.ok(text.includes("mon_full_online: method linear hi 0.95 → 0.9"), "the change reads as words", text);
  await page.click('#view .proposals tbody tr:first-child button[data-action="approve"]');
  const after = await until("the approval writes the file", async () => {
    const s = fs.readFileSync(mon, "utf8");
    return s !== monsrc ? s : null;
  });
  t.eq("… that threshold alone", monsrc.replace("method = linear { lo = 0.5, hi = 0.95 }",
    "method = linear { lo = 0.5, hi = 0.9 }"), after);
  await page.waitForFunction(() => /已批准/.test(document.querySelector("#view .proposals tbody tr:first-child").textContent));
  clean(w, "the admin's approval");
  await ctx.close();
}

await browser.close();
t.ok(await host.stop(), "SIGTERM stops the host cleanly", host.log().slice(-300));
L.cleanup();
process.exit(t.summary());
