// lib.mjs — what the browser tests share: the checks and their summary, a workspace holding a
// copy of the Shanwei rule set and its fed sample, tokens, the real `pinggu serve` started on a
// loopback port (its port read from the "event=listening" log line, as tests/host/serve/host.lua
// does), the JSON API, and Playwright driving Debian's chromium with every console error,
// uncaught exception, failed request and HTTP error of a page recorded.
//
// Every test script is run as `node SCRIPT PINGGU SOURCE_ROOT NODE_DIR`, NODE_DIR being where the
// web.setup test installed playwright-core with `npm ci` (in the build tree, never the source).
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const CHROMIUM = process.env.PINGGU_CHROMIUM || "/usr/bin/chromium";

export function args() {
  const [bin, root, nodeDir] = process.argv.slice(2);
  if (!bin || !root || !nodeDir) {
    console.error("usage: node " + path.basename(process.argv[1]) + " PINGGU SOURCE_ROOT NODE_DIR");
    process.exit(2);
  }
  return { bin: path.resolve(bin), root: path.resolve(root), nodeDir: path.resolve(nodeDir) };
}

// playwright-core from NODE_DIR; a clear failure when web.setup could not install it.
export function playwright(nodeDir) {
  const req = createRequire(path.join(nodeDir, "package.json"));
  try {
    return req("playwright-core");
  } catch (e) {
    console.log(`FAIL playwright-core is not installed in ${nodeDir}/node_modules (${e.code || e.message}).\n` +
      "     The web.setup test installs it with `npm ci`; see its output (is the npm registry reachable?).");
    process.exit(1);
  }
}

// ---- checks -------------------------------------------------------------------------------
export class Tester {
  constructor(name) {
    this.name = name;
    this.checks = 0;
    this.failures = 0;
  }
  ok(cond, what, detail) {
    this.checks++;
    if (cond) return true;
    this.failures++;
    console.log("FAIL " + what + (detail !== undefined ? "\n     " + String(detail).slice(0, 1500) : ""));
    return false;
  }
  eq(what, want, got) {
    const same = JSON.stringify(want) === JSON.stringify(got);
    return this.ok(same, what, same ? undefined : `want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  // `got` (a number shown on a page, as text) is `want` rounded as the page rounds it.
  num(what, want, got, digits = 2) {
    return this.eq(what, shown(want, digits), got);
  }
  summary() {
    console.log(`${this.name}: ${this.checks} checks, ${this.failures} failed`);
    return this.failures === 0 ? 0 : 1;
  }
}

// A number as the dashboard shows it (web/js/dom.js num): fixed digits, trailing zeros dropped.
export function shown(v, digits = 2) {
  if (v == null || Number.isNaN(v)) return "—";
  return Number(v).toFixed(digits).replace(/\.?0+$/, (m) => (m.startsWith(".") ? "" : m));
}

// A ranking table's points columns (web/js/ranking.js): every total, part and 环比 of a group at
// one precision, the most decimals any of them has ("85.00" beside "72.80").
export function pointsShown(group, parts) {
  let d = 0;
  for (const r of group.ranking)
    for (const v of [r.total, r.change, ...parts.map((p) => r.parts[p.id])]) {
      const s = v == null ? "" : String(v);
      if (s.includes(".")) d = Math.max(d, s.split(".")[1].length);
    }
  return (v) => (v == null || Number.isNaN(v) ? "—" : Number(v).toFixed(d));
}

// ---- the host -----------------------------------------------------------------------------
const cleanups = [];
export function cleanup() {
  while (cleanups.length) {
    try { cleanups.pop()(); } catch { /* best effort */ }
  }
}

// Runs fn at cleanup (a child to kill, a browser to close).
export function onCleanup(fn) { cleanups.push(fn); }

// A step that throws (a page that never shows what is waited for) fails the test with its
// message, and the host and the temporary files go with it.
function crash(e) {
  console.log("FAIL the test stopped: " + (e && e.stack || e));
  cleanup();
  process.exit(1);
}
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

export function tmpdir(tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pinggu-" + tag + "-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// A copy of rules/shanwei-2021 as ws/rules and its fed sample as ws/data.
export function workspace(root, tag) {
  const ws = tmpdir(tag);
  fs.cpSync(path.join(root, "rules/shanwei-2021"), path.join(ws, "rules"), { recursive: true });
  fs.mkdirSync(path.join(ws, "data"));
  const sample = path.join(root, "rules/shanwei-2021/sample");
  for (const f of fs.readdirSync(sample).filter((f) => f.endsWith(".csv")))
    fs.copyFileSync(path.join(sample, f), path.join(ws, "data", f));
  return ws;
}

// Tokens for evaluator, lufeng (unit), viewer and admin, and the config file holding their hashes.
export function tokens(bin, ws) {
  const tok = {};
  const entries = [];
  const make = (name, role, unit) => {
    const argv = ["token", "--role", role, "--name", name, ...(unit ? ["--unit", unit] : [])];
    const r = spawnSyncText(bin, argv);
    tok[name] = r.stdout.trim();
    entries.push(r.stderr.trim());
  };
  make("admin", "admin");
  make("evaluator", "evaluator");
  make("lufeng", "unit", "lufeng");
  make("viewer", "viewer");
  const config = path.join(ws, "pinggu.json");
  fs.writeFileSync(config, `{ "tokens": [${entries.join(",\n")}] }\n`);
  return { tok, config };
}

function spawnSyncText(bin, argv) {
  const r = spawnSync(bin, argv, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${bin} ${argv.join(" ")}: exit ${r.status}\n${r.stderr}`);
  return r;
}

export class Host {
  // Starts `pinggu serve` on 127.0.0.1:0 and waits for the port it bound.
  static async start({ bin, rules, data, config }) {
    const h = new Host();
    h.logFile = path.join(path.dirname(data), "serve.log");
    const log = fs.openSync(h.logFile, "w");
    h.proc = spawn(bin, ["serve", "--rules", rules, "--data-dir", data, "--listen", "127.0.0.1:0",
      "--config", config], { stdio: ["ignore", "ignore", log] });
    fs.closeSync(log);
    h.exited = new Promise((resolve) => h.proc.on("exit", (code, sig) => resolve({ code, sig })));
    h.alive = true;
    h.exited.then(() => { h.alive = false; });
    cleanups.push(() => { if (h.alive) h.proc.kill("SIGKILL"); });
    for (let i = 0; i < 600 && h.alive; i++) {
      const m = /event=listening host=\S+ port=(\d+)/.exec(h.log());
      if (m) {
        h.port = Number(m[1]);
        h.base = `http://127.0.0.1:${h.port}`;
        return h;
      }
      await sleep(50);
    }
    throw new Error("the host did not start:\n" + h.log().slice(-2000));
  }

  log() { return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8") : ""; }

  // The API: status and decoded JSON (null when the body is not JSON).
  async api(method, p, token, body) {
    const res = await fetch(this.base + "/api/v1/" + p, {
      method,
      headers: { Authorization: "Bearer " + token, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { json = null; }
    return { status: res.status, json, text };
  }
  async get(p, token) {
    const r = await this.api("GET", p, token);
    if (r.status !== 200) throw new Error(`GET /api/v1/${p}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }

  // SIGTERM; true when it exited 0 having logged event=stopped.
  async stop() {
    if (!this.alive) return false;
    this.proc.kill("SIGTERM");
    const { code } = await Promise.race([this.exited, sleep(20000).then(() => ({ code: "timeout" }))]);
    return code === 0 && this.log().includes("event=stopped");
  }
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// ---- the browser ---------------------------------------------------------------------------
export async function browser(pw) {
  const argv = [];
  if (process.getuid && process.getuid() === 0) argv.push("--no-sandbox"); // chromium refuses root otherwise
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`FAIL ${CHROMIUM} is missing: the browser tests need Debian's chromium`);
    process.exit(1);
  }
  const b = await pw.chromium.launch({ executablePath: CHROMIUM, headless: true, args: argv });
  cleanups.push(() => { b.close().catch(() => {}); });
  return b;
}

// A fresh 1280×900 zh-CN context logged in to the dashboard at `base` with `token`, the tabs
// shown and the page settled by `settle` (networkidle unless a test waits for more).
export async function login(browser, base, token, settle = (page) => page.waitForLoadState("networkidle")) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  const page = await ctx.newPage();
  const w = watch(page);
  await page.goto(base + "/");
  await page.fill("#token", token);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#tabs:not([hidden])");
  await settle(page);
  return { page, w, ctx };
}

// Records what goes wrong on a page: console errors, uncaught exceptions, requests that fail
// and HTTP answers of 400 or more. problems(allowed) lists those not allowed, `allowed` being
// [{status, path}] for the HTTP errors a check provokes on purpose (a unit asking for another
// unit's page); the console line Chromium prints for such an answer is allowed with it.
// Marks the next answer to a request matching `pattern` as outdated by `why`
// (X-Pinggu-Outdated, as the host sends while a re-score runs); counts the reads.
export async function markOnce(page, pattern, why) {
  const seen = { reads: 0, marked: 0 };
  await page.route(pattern, async (route) => {
    seen.reads++;
    const response = await route.fetch();
    const headers = response.headers();
    if (seen.marked === 0) {
      seen.marked = 1;
      headers["x-pinggu-outdated"] = why;
    }
    await route.fulfill({ response, headers });
  });
  return seen;
}

export function watch(page) {
  const seen = [];
  page.on("console", (m) => {
    if (m.type() === "error") seen.push({ kind: "console", text: m.text(), url: m.location().url || "" });
  });
  page.on("pageerror", (e) => seen.push({ kind: "exception", text: String(e && e.stack || e) }));
  page.on("requestfailed", (r) => {
    seen.push({ kind: "requestfailed", url: r.url(), text: (r.failure() || {}).errorText || "" });
  });
  page.on("response", (r) => {
    if (r.status() >= 400) seen.push({ kind: "http", url: r.url(), status: r.status(), text: r.statusText() });
  });
  return {
    seen,
    reset() { seen.length = 0; },
    problems(allowed = []) {
      const ok = (e) => allowed.some((a) => {
        let p = "";
        try { p = new URL(e.url).pathname + new URL(e.url).search; } catch { return false; }
        if (p !== a.path) return false;
        if (e.kind === "http") return e.status === a.status;
        return e.kind === "console" && e.text.includes(`status of ${a.status}`);
      });
      return seen.filter((e) => !ok(e));
    },
  };
}

// The visible text of every cell of the rows `rowSel` matches, as arrays.
export function rows(page, rowSel) {
  return page.$$eval(rowSel, (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
}

// The platform font Chromium drew an element's text with (CDP CSS.getPlatformFontsForNode):
// [{familyName, postScriptName, glyphCount}].
export async function platformFonts(page, selector) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("DOM.enable");
  await cdp.send("CSS.enable");
  const { root } = await cdp.send("DOM.getDocument", { depth: -1 });
  const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector });
  if (!nodeId) return [];
  const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
  await cdp.detach();
  return fonts;
}
