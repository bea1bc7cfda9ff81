// api.js — calls to the host's JSON API with the session's token. The token lives in
// sessionStorage only: it goes when the tab closes, and the page itself holds no data.
const KEY = "pinggu.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

let onUnauthorized = () => {};
// Called on any 401: the token is gone or was never good, so back to the login box.
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// GET /api/v1/<path> as JSON. Throws ApiError with the server's message on a non-2xx.
export function get(path) { return call("GET", path); }

// POST /api/v1/<path> with a JSON body; the answer as JSON, or ApiError as for get().
export function post(path, body) { return call("POST", path, body); }

async function call(method, path, body) {
  let res;
  const headers = { Authorization: "Bearer " + (token.get() || "") };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    res = await fetch("/api/v1/" + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, "无法连接服务器");
  }
  let answer = null;
  try { answer = await res.json(); } catch { answer = null; }
  // a cached result served while its re-score runs says what it predates ("data" or "rules");
  // kept beside the answer, not in it, so the JSON stays what the host sent
  const outdated = res.headers.get("X-Pinggu-Outdated");
  if (res.ok && outdated && answer && typeof answer === "object")
    Object.defineProperty(answer, "outdated", { value: outdated });
  if (res.ok) return answer;
  const msg = answer && answer.error && answer.error.message ? answer.error.message : res.statusText;
  if (res.status === 401) onUnauthorized(msg);
  throw new ApiError(res.status, msg);
}

// GET /api/v1/<path> as a file the browser saves under `name` (the token goes in the header, so
// this fetches and hands the bytes over rather than following a link).
export async function download(path, name) {
  let res;
  try {
    res = await fetch("/api/v1/" + path, { headers: { Authorization: "Bearer " + (token.get() || "") } });
  } catch {
    throw new ApiError(0, "无法连接服务器");
  }
  if (!res.ok) {
    let msg = res.statusText;
    try { msg = (await res.json()).error.message; } catch { /* not JSON */ }
    if (res.status === 401) onUnauthorized(msg);
    throw new ApiError(res.status, msg);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// The Chinese sentence for an error. A reader gets Chinese only: the server's messages are
// English and name internal ids, so they are translated where they are known and otherwise left
// out, except for staff on the errors they act on (a rule that does not load, a conflicting
// edit, a refused request), whose server message names the file, line or field to fix.
let role = null;
export function setRole(r) { role = r; }

const KNOWN = [
  [/^no data for /, "该期暂无数据（尚未导入该期的数据）"],
  [/^no bulletin of /, "该期尚未发布通报"],
  [/has no revision/, "没有这一版通报"],
  [/^unknown token|token (is )?(unknown|expired|revoked)/, "令牌无效或已失效，请重新登录"],
  [/token is bound to unit/, "当前角色无权查看此内容（本单位的令牌只能查看本单位）"],
  [/no rule set is loaded/, "该年度的评估规则尚未载入"],
  [/shutting down/, "服务正在重启，请稍后再试"],
];
const BY_STATUS = {
  0: "无法连接服务器，请检查网络",
  400: "请求有误",
  401: "令牌无效或已失效，请重新登录",
  403: "当前角色无权查看此内容",
  404: "没有数据（该期尚未有数据或不存在）",
  409: "内容已被他人修改，请刷新后重试",
  413: "上传的文件超过允许的大小",
  422: "未能完成：规则或数据有误",
  429: "请求过于频繁，请稍后再试",
  503: "服务暂不可用，请稍后再试",
};
// A server message in Chinese when it is a known one, else a general sentence.
export function translate(message) {
  const known = KNOWN.find(([re]) => re.test(message || ""));
  return known ? known[1] : "评估未能完成（详情见鼠标悬停提示）";
}

export function explain(err) {
  if (!(err instanceof ApiError)) return "出错了，请刷新页面后重试";
  const known = KNOWN.find(([re]) => re.test(err.message || ""));
  const why = known ? known[1] : BY_STATUS[err.status] || "服务器错误（" + err.status + "）";
  const staff = role === "admin" || role === "evaluator";
  const acts = [400, 409, 422, 500].includes(err.status);
  return why + "。" + (staff && acts && !known && err.message ? "详情：" + err.message : "");
}

// The schemes' periods: every month of the rule set's year for monthly schemes, the year itself
// for year schemes.
export function periodsOf(scheme, year) {
  if (scheme.period === "year") return [String(year)];
  return Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, "0")}`);
}

// The period to open first: the latest month of the year not after today, else December.
export function defaultPeriod(scheme, year) {
  if (scheme.period === "year") return String(year);
  const now = new Date();
  const m = now.getFullYear() === year ? now.getMonth() + 1 : now.getFullYear() > year ? 12 : 1;
  return `${year}-${String(m).padStart(2, "0")}`;
}
