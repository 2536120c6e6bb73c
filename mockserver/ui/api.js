// The dashboard's only way to the mock: bk-sops operations as any client calls them (paths read
// from the mock's /openapi.json) and the control API under /__mock__/.

const IDENTITY_KEY = "sops-mock.identity";
const TOKEN_KEY = "sops-mock.control-token";

// Lenient auth (the default) accepts any app code with any user; strict auth wants an app and a
// user of the fixture, set in the dashboard's settings.
export const DEFAULT_IDENTITY = { bk_app_code: "sops-mock-dashboard", bk_username: "admin" };

export class ApiError extends Error {
  constructor(message, { status = 200, code = null, body = null } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

function readJson(storage, key, fallback) {
  try {
    const text = storage.getItem(key);
    return text ? JSON.parse(text) : fallback;
  } catch {
    return fallback;
  }
}

async function parse(response) {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return { message: text };
  }
}

export class Api {
  constructor() {
    this.ops = new Map(); // operation name -> {method, path}
  }

  async init() {
    const response = await fetch("/openapi.json", { cache: "no-store" });
    const doc = await parse(response);
    if (!response.ok || !doc || !doc.paths) {
      throw new ApiError(`cannot read /openapi.json (HTTP ${response.status})`);
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      const match = /^\/apigw\/([a-z_]+)\//.exec(path);
      if (match) this.ops.set(match[1], { method: Object.keys(item)[0].toUpperCase(), path });
    }
  }

  has(op) {
    return this.ops.has(op);
  }

  identity() {
    return readJson(localStorage, IDENTITY_KEY, DEFAULT_IDENTITY);
  }

  setIdentity(identity) {
    localStorage.setItem(IDENTITY_KEY, JSON.stringify(identity));
  }

  controlToken() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  }

  setControlToken(token) {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  // Call a bk-sops operation; `ids` fill the path, `params` go to the query (GET) or body (POST).
  // A `result: false` answer or a gateway error becomes an ApiError with bk-sops's message.
  async call(op, ids, params = {}) {
    const spec = this.ops.get(op);
    if (!spec) throw new ApiError(`${op} is not served by this mock`);
    let url = spec.path.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(ids[key]));
    const init = {
      method: spec.method,
      headers: { "X-Bkapi-Authorization": JSON.stringify(this.identity()) },
      cache: "no-store",
    };
    if (spec.method === "GET") {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(params)) {
        if (value !== undefined && value !== null) query.set(key, String(value));
      }
      const text = query.toString();
      if (text) url += `?${text}`;
    } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(params);
    }
    const response = await fetch(url, init);
    const body = await parse(response);
    if (!response.ok) {
      const message = (body && body.message) || response.statusText;
      throw new ApiError(`${op}: HTTP ${response.status} ${message}`, {
        status: response.status,
        code: body && body.code,
        body,
      });
    }
    if (!body || body.result !== true) {
      const message = body && typeof body.message === "object" ? JSON.stringify(body.message) : body && body.message;
      throw new ApiError(`${op}: ${message || "no answer"} (code ${body && body.code})`, {
        code: body && body.code,
        body,
      });
    }
    return body;
  }

  // The control API: plain JSON, errors as HTTP 4xx with {error, message}.
  async control(method, path, body = undefined) {
    const headers = {};
    const token = this.controlToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const answer = await parse(response);
    if (!response.ok) {
      const message = (answer && answer.message) || response.statusText;
      throw new ApiError(`${path}: ${message}`, { status: response.status, body: answer });
    }
    return answer;
  }
}

// Ids and scope for a project: a CMDB business by its bk_biz_id, any other by its project id.
export function projectIds(project) {
  return project.bk_biz_id > 0 ? project.bk_biz_id : project.project_id;
}

export function scoped(project, params = {}) {
  return project.bk_biz_id > 0 ? params : { ...params, scope: "project" };
}
