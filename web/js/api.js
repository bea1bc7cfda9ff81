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
    throw new ApiError(0, "无法连接服务器：" + e.message);
  }
  let answer = null;
  try { answer = await res.json(); } catch { answer = null; }
  if (res.ok) return answer;
  const msg = answer && answer.error && answer.error.message ? answer.error.message : res.statusText;
  if (res.status === 401) onUnauthorized(msg);
  throw new ApiError(res.status, msg);
}

// The Chinese sentence for an error, by status; the server's own message follows it.
export function explain(err) {
  if (!(err instanceof ApiError)) return "出错了：" + err.message;
  const why = {
    0: "网络错误",
    400: "请求有误",
    401: "令牌无效或已失效，请重新登录",
    403: "当前角色无权查看此内容",
    404: "没有数据（该期尚未有数据或不存在）",
    503: "服务尚未就绪，请稍后再试",
  }[err.status] || "服务器错误（" + err.status + "）";
  return why + (err.status ? "。服务器说明：" + err.message : "");
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
