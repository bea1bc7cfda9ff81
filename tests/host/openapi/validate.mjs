// validate.mjs — every answer recorded from the real `pinggu serve` (record.lua and the serve
// tests, through host.lua's PINGGU_RECORD) validates against docs/openapi.yaml, with ajv (JSON
// Schema 2020-12, the dialect of OpenAPI 3.1) and ajv-formats, installed by setup.mjs.
// Run as `node validate.mjs OPENAPI_JSON RECORDED_NDJSON NODE_DIR`.
//
// Each exchange is matched to a path of the spec (literal segments before {parameters}) and its
// method (HEAD as GET). Then:
//   - the status must be listed among the operation's responses, and the answer's media type
//     among that response's content, and a JSON body must validate against its schema;
//   - an exchange the spec has no operation for must be one the router answers for any path
//     (401 no token, 404 unknown path, 405 another method, 503 starting), with the Error schema;
//   - an operation without security must not have answered 401;
//   - every operation of the spec must have been exercised, and answered 2xx at least once
//     (but those listed in NO_SUCCESS, with the reason the recording cannot make them succeed).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [specPath, recPath, nodeDir] = process.argv.slice(2);
if (!specPath || !recPath || !nodeDir) {
  console.error("usage: node validate.mjs OPENAPI_JSON RECORDED_NDJSON NODE_DIR");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(nodeDir), "node_modules", "x.js"));
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

// The Shanwei set has no evaluator_score indicator, so an evaluator score is always refused.
const NO_SUCCESS = { "POST /api/v1/scores": "the sample rule set has no evaluator_score indicator" };

const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
const records = fs.readFileSync(recPath, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
let failures = 0, checks = 0;
function fail(msg) { failures++; console.log("FAIL " + msg); }

// The components' schemas as one schema's $defs, so that their $refs resolve inside ajv.
const rewrite = (v) => {
  if (Array.isArray(v)) return v.map(rewrite);
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v))
      o[k] = k === "$ref" && typeof x === "string" && x.startsWith("#/components/schemas/")
        ? "pinggu-openapi#/$defs/" + x.slice("#/components/schemas/".length) : rewrite(x);
    return o;
  }
  return v;
};
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
addFormats(ajv);
ajv.addSchema({ $id: "pinggu-openapi", $defs: rewrite(spec.components.schemas) });
const compiled = new Map();
function validator(schema) {
  const key = JSON.stringify(schema);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rewrite(schema)));
  return compiled.get(key);
}
function deref(o) {
  while (o && o.$ref) {
    const parts = o.$ref.replace(/^#\//, "").split("/");
    o = parts.reduce((x, p) => x && x[p], spec);
  }
  return o;
}

// The spec's paths as patterns; literal ones first.
const paths = Object.keys(spec.paths).map((p) => ({
  template: p,
  re: new RegExp("^" + p.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+") + "$"),
  params: (p.match(/\{/g) || []).length,
})).sort((a, b) => a.params - b.params);

const seen = new Map(); // "METHOD path" -> { n, ok }
for (const [k] of Object.entries(spec.paths))
  for (const m of Object.keys(spec.paths[k]).filter((m) => ["get", "post", "put", "delete"].includes(m)))
    seen.set(`${m.toUpperCase()} ${k}`, { n: 0, ok: 0 });

for (const r of records) {
  checks++;
  const what = `${r.method} ${r.path}${r.query ? "?" + r.query : ""} (${r.token ?? "no token"}) → ${r.status}`;
  const media = (r.content_type || "").split(";")[0].trim();
  const p = paths.find((x) => x.re.test(r.path));
  const method = (r.method === "HEAD" ? "get" : r.method.toLowerCase());
  const op = p && spec.paths[p.template][method];
  let response;
  if (!op) {
    if (![401, 404, 405, 503].includes(r.status)) {
      fail(`${what}: no operation in the spec, and not a router error`);
      continue;
    }
    response = deref(spec.components.responses.Error);
  } else {
    const s = seen.get(`${method.toUpperCase()} ${p.template}`);
    s.n++;
    if (r.status >= 200 && r.status < 300) s.ok++;
    if (Array.isArray(op.security) && op.security.length === 0 && r.status === 401)
      fail(`${what}: the spec says this needs no token`);
    response = deref(op.responses[String(r.status)] || op.responses.default);
    if (!response) {
      fail(`${what}: status ${r.status} is not among ${p.template}'s ${method} responses (${Object.keys(op.responses).join(", ")})`);
      continue;
    }
  }
  const content = response.content || {};
  const mt = content[media] ? media : Object.keys(content).find((k) => k === media);
  if (!mt) {
    if (Object.keys(content).length || r.body) fail(`${what}: answered ${media || "no type"}, the spec says ${Object.keys(content).join(", ") || "no body"}`);
    continue;
  }
  if (mt !== "application/json") continue;
  let body;
  try {
    body = JSON.parse(r.body);
  } catch (e) {
    fail(`${what}: not JSON: ${e.message}`);
    continue;
  }
  const v = validator(content[mt].schema || {});
  if (!v(body))
    fail(`${what}: ${ajv.errorsText(v.errors.slice(0, 5), { dataVar: "body" })}\n     ${r.body.slice(0, 300)}`);
}

for (const [op, s] of seen) {
  if (!s.n) fail(`${op}: never exercised by the recordings`);
  else if (!s.ok && !NO_SUCCESS[op]) fail(`${op}: never answered 2xx in the recordings`);
}
console.log(`openapi.validate: ${records.length} exchanges over ${seen.size} operations, ${failures} failed`);
process.exit(failures || records.length === 0 ? 1 : 0);
