// tour.mjs — every tab of the dashboard for every role, on a desktop (1280×900) and on a phone
// (390×844), with the README's two-year set-up (rules/shanwei-2021 and rules/shanwei-2022, data
// for 2021 only), asserting the layout facts a reader relies on:
//   - staff and units land on the latest period that has data (2021-12), not on an empty
//     2022-12, and the year picker reaches both years; a period without data says so and keeps
//     the pickers;
//   - on the phone nothing runs off the screen sideways: the page never scrolls horizontally
//     (a wide table may scroll inside its own box only), and no table cell is narrower than two
//     characters (names wrapping one character a line);
//   - no Latin-letter word reaches a reader outside an allow-list (unit codes, XLSX, PDF, …) and
//     outside text marked lang="en" (the rule author's own material on the 规则 tab: the loader's
//     messages and the semantic diff of a change, which are English);
//   - every time shown is Beijing time in one format (YYYY-MM-DD HH:MM);
//   - the document title follows the view, and the tabs move with the arrow keys;
//   - no console error, exception or failed request, but for those a check provokes.
// The screenshots go to BUILD/tests/web/tour/ (role-view-desktop.png, role-view-phone.png) for a
// person to look at; the assertions do not depend on them.
import fs from "node:fs";
import path from "node:path";
import * as L from "./lib.mjs";

const { bin, root, nodeDir } = L.args();
const pw = L.playwright(nodeDir);
const t = new L.Tester("web.tour");
const shots = path.join(path.dirname(nodeDir), "tour");
fs.mkdirSync(shots, { recursive: true });

// The two-year set-up: the 2022 set extends "../shanwei-2021", so both sit side by side.
const ws = L.workspace(root, "tour");
fs.renameSync(path.join(ws, "rules"), path.join(ws, "shanwei-2021"));
fs.cpSync(path.join(root, "rules/shanwei-2022"), path.join(ws, "shanwei-2022"), { recursive: true });
const { tok, config } = L.tokens(bin, ws);
const host = await L.Host.start({ bin, rules: `${ws}/shanwei-2021,${ws}/shanwei-2022`,
  data: ws + "/data", config });
// one published bulletin, so the 通报 tab and the viewer have something to show
const pub = await host.api("POST", "bulletins", tok.evaluator, { scheme: "monthly", period: "2021-06" });
t.eq("the June bulletin is published", 201, pub.status);
const browser = await L.browser(pw);

// Words a reader may see in Latin letters: unit codes and file formats.
const ALLOWED = new Set(["XLSX", "PDF", "HTML", "CSV", "JSON", "API", "Lua"]);

const VIEWPORTS = [
  { tag: "desktop", viewport: { width: 1280, height: 900 } },
  { tag: "phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
];
const ROLES = ["admin", "evaluator", "lufeng", "viewer"];

// Runs `act` (a click, a choice) and waits until the view has been drawn again after it
// (app.js numbers each draw in #view's data-drawn) and is not loading, nor any part of it (the
// unit page's trend comes after the page, marked aria-busy until it is in).
async function settled(page, act) {
  const before = await page.$eval("#view", (v) => Number(v.dataset.drawn || 0));
  if (act) await act();
  await page.waitForFunction((n) => {
    const v = document.querySelector("#view");
    return Number(v.dataset.drawn || 0) > n && !v.hasAttribute("aria-busy") && !v.querySelector("[aria-busy]");
  }, before, { timeout: 60000 });
  await page.waitForTimeout(50); // the draw's own follow-ups (the banner) settle
}

// The visible text of the page (header, tabs, banners and the view), as the reader sees it.
function visibleText(page) {
  return page.evaluate(() => {
    const out = [];
    const walk = (n) => {
      if (n.nodeType === 3) { out.push(n.textContent); return; }
      if (n.nodeType !== 1) return;
      const s = getComputedStyle(n);
      if (s.display === "none" || s.visibility === "hidden" || n.hidden || !n.checkVisibility()) return;
      if (n.lang === "en") return;
      if (["SCRIPT", "STYLE", "NOSCRIPT"].includes(n.tagName)) return;
      if (n.tagName === "OPTION" && !n.selected) return;
      for (const c of n.childNodes) walk(c);
    };
    walk(document.body);
    return out.join(" ");
  });
}

async function check(page, what, phone, unitCodes) {
  const text = await visibleText(page);
  // whole tokens: a hash such as a rule revision (hex digits) is an id a reader compares, not a word
  const latin = (text.match(/[A-Za-z0-9_]+/g) || []).filter((w) => /[A-Za-z]/.test(w) &&
    !/^[0-9a-f]{6,}$/.test(w) && !/^\d+[a-z]{1,2}$/i.test(w) && !ALLOWED.has(w) && !unitCodes.has(w));
  t.ok(latin.length === 0, `${what}: no Latin-letter words`, [...new Set(latin)].join(" "));
  const times = text.match(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?(\.\d+)?Z?/g) || [];
  const bad = times.filter((s) => !/^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(s));
  t.ok(bad.length === 0, `${what}: times as YYYY-MM-DD HH:MM`, bad.join(", "));
  if (phone) {
    const o = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth,
      win: window.innerWidth }));
    t.ok(o.doc <= o.win, `${what}: the page does not scroll sideways (${o.doc} px in ${o.win})`);
    const thin = await page.evaluate(() => [...document.querySelectorAll("#view td, #view th")]
      .filter((c) => c.offsetParent && c.textContent.trim().length > 1 &&
        c.getBoundingClientRect().width < 24).map((c) => c.textContent.trim()).slice(0, 5));
    t.ok(thin.length === 0, `${what}: no cell squeezed to one character a line`, thin.join(" | "));
  }
}

const units = (await host.get("units", tok.evaluator)).units;
// unit codes, and the names of the test's tokens (a person's name in real use) in the header
const codes = new Set([...units.map((u) => u.code).filter(Boolean), ...ROLES]);

for (const { tag, viewport, isMobile, hasTouch } of VIEWPORTS) {
  for (const role of ROLES) {
    const ctx = await browser.newContext({ viewport, isMobile, hasTouch, locale: "zh-CN",
      timezoneId: "Asia/Shanghai" });
    const page = await ctx.newPage();
    const w = L.watch(page);
    await page.goto(host.base + "/");
    await page.fill("#token", tok[role]);
    await settled(page, () => page.click("#login-form button[type=submit]"));
    const tabs = await page.$$eval("#tabs [role=tab]", (b) => b.map((x) => x.textContent));
    if (role !== "viewer") {
      const picked = await page.$eval("select[aria-label=期次]", (s) => s.value).catch(() => null);
      t.eq(`${role} ${tag}: lands on the latest period with data`, "2021-12", picked);
      const years = await page.$$eval("select[aria-label=年度] option", (o) => o.map((x) => x.value))
        .catch(() => []);
      t.eq(`${role} ${tag}: the year picker offers both years`, ["2022", "2021"], years);
    }
    for (let i = 0; i < tabs.length; i++) {
      const what = `${role} ${tag} ${tabs[i]}`;
      await settled(page, () => page.click(`#tabs [role=tab]:nth-child(${i + 1})`));
      const title = await page.title();
      t.ok(title.includes(tabs[i]), `${what}: the document title names the view`, title);
      await check(page, what, !!isMobile, codes);
      await page.screenshot({ path: path.join(shots, `${role}-${i + 1}-${tag}.png`), fullPage: false });
    }
    if (role === "evaluator" && tag === "desktop") {
      // a period without data keeps the pickers and says so in Chinese
      await settled(page, () => page.click("#tabs [role=tab]:nth-child(1)"));
      await settled(page, () => page.selectOption("select[aria-label=年度]", "2022"));
      const pickers = await page.$$("select[aria-label=期次]");
      t.ok(pickers.length === 1, `${what0(role, tag)}: an empty year keeps the pickers`);
      const msg = await page.$eval("#message", (v) => v.textContent);
      t.ok(/没有数据|暂无数据/.test(msg), `${what0(role, tag)}: an empty year says there is no data`, msg);
      await settled(page, () => page.selectOption("select[aria-label=年度]", "2021"));
      // arrow keys move between tabs and focus follows
      await page.focus("#tabs [role=tab]:nth-child(1)");
      await settled(page, () => page.keyboard.press("ArrowRight"));
      const focused = await page.evaluate(() => document.activeElement.textContent);
      t.eq("focus stays on the tab the arrow reached", tabs[1], focused);
      const sel = await page.$eval("#tabs [aria-selected=true]", (b) => b.textContent);
      t.eq("the right arrow moves to the next tab", tabs[1], sel);
      w.reset();
    }
    const allowed = [{ status: 404, path: "/api/v1/rankings/monthly/2022-12" }];
    const p = w.problems(allowed).filter((e) => !(e.kind === "http" && e.status === 404) &&
      !(e.kind === "console" && /status of 404/.test(e.text)));
    t.ok(p.length === 0, `${role} ${tag}: no console error, exception or failed request`,
      JSON.stringify(p, null, 1));
    await ctx.close();
  }
}

function what0(role, tag) { return `${role} ${tag}`; }

// The 通报 page links the bulletin's documents; the PDF is printed on first request. A unit's
// token may not fetch them (they carry every unit's lost points).
{
  const docs = await host.api("GET", "bulletins/monthly/2021-06/1/documents", tok.viewer);
  const names = (docs.json && docs.json.documents || []).map((d) => d.name);
  t.ok(docs.status === 200 && names.includes("monthly-2021-06.html") && names.includes("monthly-2021-06.pdf") &&
    names.includes("monthly-2021-06-lost.csv"), "a viewer lists the bulletin's documents", docs.text.slice(0, 400));
  t.eq("a unit may not list them", 403, (await host.api("GET", "bulletins/monthly/2021-06/1/documents", tok.lufeng)).status);
  t.eq("a name outside the directory is 404", 404,
    (await host.api("GET", "bulletins/monthly/2021-06/1/documents/..%2Fpinggu.db", tok.viewer)).status);
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: "zh-CN",
    acceptDownloads: true });
  const page = await ctx.newPage();
  await page.goto(host.base + "/");
  await page.fill("#token", tok.viewer);
  await settled(page, () => page.click("#login-form button[type=submit]"));
  await settled(page, () => page.click("#view tbody tr.clickable"));
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 120000 }),
    page.click('#view .documents button[data-name="monthly-2021-06.pdf"]')]);
  const file = await dl.path();
  const head = file ? fs.readFileSync(file).subarray(0, 5).toString("latin1") : "";
  t.eq("the 通报 page's PDF button downloads the printed bulletin", "%PDF-", head);
  t.eq("… under its name", "monthly-2021-06.pdf", dl.suggestedFilename());
  await ctx.close();
}

await browser.close();
t.ok(await host.stop(), "the host stops cleanly");
L.cleanup();
process.exit(t.summary());
