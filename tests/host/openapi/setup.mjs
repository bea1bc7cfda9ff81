// setup.mjs — the OpenAPI test's fixture: installs ajv and ajv-formats, pinned by package.json
// and package-lock.json in tests/host/openapi/, with `npm ci` into NODE_DIR in the build tree
// (never the source tree), the way tests/web/setup.mjs installs playwright-core. Run as
// `node setup.mjs SOURCE_DIR NODE_DIR [NPM]`.
//
// An install that already matches the lock file is kept, so a rebuild works offline once the
// packages have been fetched; otherwise `npm ci --prefer-offline`. When npm cannot install,
// this fails saying so, and the validation then does not run (CTest reports it as not run).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const [src, dest, npm = "npm"] = process.argv.slice(2);
if (!src || !dest) {
  console.error("usage: node setup.mjs SOURCE_DIR NODE_DIR [NPM]");
  process.exit(2);
}
const names = ["ajv", "ajv-formats"];
fs.mkdirSync(dest, { recursive: true });
const lock = fs.readFileSync(path.join(src, "package-lock.json"), "utf8");
const pkg = fs.readFileSync(path.join(src, "package.json"), "utf8");
const stamp = path.join(dest, "node_modules", ".pinggu-lock");
const want = Object.fromEntries(names.map((n) => [n, JSON.parse(lock).packages[`node_modules/${n}`].version]));
const wanted = names.map((n) => `${n} ${want[n]}`).join(", ");

function installed() {
  try {
    for (const n of names) {
      const v = JSON.parse(fs.readFileSync(path.join(dest, "node_modules", n, "package.json"), "utf8")).version;
      if (v !== want[n]) return false;
    }
    return fs.readFileSync(stamp, "utf8") === lock;
  } catch {
    return false;
  }
}

if (installed()) {
  console.log(`${wanted} already installed in ${dest}/node_modules`);
  process.exit(0);
}
fs.writeFileSync(path.join(dest, "package.json"), pkg);
fs.writeFileSync(path.join(dest, "package-lock.json"), lock);
console.log(`npm ci --prefix ${dest} (${wanted})`);
const r = spawnSync(npm, ["ci", "--prefix", dest, "--prefer-offline", "--no-audit", "--no-fund"],
  { stdio: "inherit", timeout: 240000 });
if (!r.error && r.status === 0 && fs.existsSync(path.join(dest, "node_modules"))) fs.writeFileSync(stamp, lock);
if (r.error || r.status !== 0 || !installed()) {
  fs.rmSync(stamp, { force: true });
  console.log(`FAIL could not install ${wanted} with npm ci into ${dest}` +
    (r.error ? ` (${r.error.code === "ENOENT" ? npm + " is not installed" : r.error.message})` :
      ` (npm exited ${r.status}${r.signal ? ", " + r.signal : ""})`) +
    ".\n     The OpenAPI validation needs them: is the npm registry reachable (proxy, offline " +
    "machine)? Once fetched, npm's cache makes later runs work offline.");
  process.exit(1);
}
console.log(`installed ${wanted}`);
