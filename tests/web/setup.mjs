// setup.mjs — the web tests' fixture: installs playwright-core, pinned by package.json and
// package-lock.json in tests/web/, with `npm ci` into NODE_DIR in the build tree (never the
// source tree). Run as `node setup.mjs SOURCE_DIR NODE_DIR [NPM]`.
//
// An install that already matches the lock file is kept, so a rebuild works offline once the
// packages have been fetched; otherwise `npm ci --prefer-offline` (npm's cache first, then the
// registry). When npm cannot install, this fails saying so: the browser tests then do not run,
// and CTest reports them as not run, never as passed.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const [src, dest, npm = "npm"] = process.argv.slice(2);
if (!src || !dest) {
  console.error("usage: node setup.mjs SOURCE_DIR NODE_DIR [NPM]");
  process.exit(2);
}
fs.mkdirSync(dest, { recursive: true });
const lock = fs.readFileSync(path.join(src, "package-lock.json"), "utf8");
const pkg = fs.readFileSync(path.join(src, "package.json"), "utf8");
const stamp = path.join(dest, "node_modules", ".pinggu-lock");
const want = JSON.parse(lock).packages["node_modules/playwright-core"].version;

function installed() {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(dest, "node_modules/playwright-core/package.json"), "utf8")).version;
    return v === want && fs.readFileSync(stamp, "utf8") === lock;
  } catch {
    return false;
  }
}

if (installed()) {
  console.log(`playwright-core ${want} already installed in ${dest}/node_modules`);
  process.exit(0);
}
fs.writeFileSync(path.join(dest, "package.json"), pkg);
fs.writeFileSync(path.join(dest, "package-lock.json"), lock);
console.log(`npm ci --prefix ${dest} (playwright-core ${want})`);
const r = spawnSync(npm, ["ci", "--prefix", dest, "--prefer-offline", "--no-audit", "--no-fund"],
  { stdio: "inherit", timeout: 240000 });
if (!r.error && r.status === 0 && fs.existsSync(path.join(dest, "node_modules"))) fs.writeFileSync(stamp, lock);
if (r.error || r.status !== 0 || !installed()) {
  fs.rmSync(stamp, { force: true });
  console.log(`FAIL could not install playwright-core ${want} with npm ci into ${dest}` +
    (r.error ? ` (${r.error.code === "ENOENT" ? npm + " is not installed" : r.error.message})` :
      ` (npm exited ${r.status}${r.signal ? ", " + r.signal : ""})`) +
    ".\n     The browser tests need it: is the npm registry reachable (proxy, offline machine)? " +
    "Once it has been fetched, npm's cache makes later runs work offline.");
  process.exit(1);
}
console.log(`installed playwright-core ${want}`);
