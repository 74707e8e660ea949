// Talking to the API. The login cookie (HttpOnly, set by /api/auth/login) goes with every
// same-origin request, <audio src> and EventSource alike, so the page never holds a token.

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

// Called on a 401 from any request but the login itself: the session is over.
let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/** A query string from an object; null, undefined and "" are left out, arrays repeat. */
export function query(params = {}) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== null && v !== undefined && v !== "") q.append(name, v);
    }
  }
  const text = q.toString();
  return text ? `?${text}` : "";
}

export async function api(path, { method = "GET", params, body, quiet401 = false } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path + query(params), init);
  const data = (resp.headers.get("content-type") || "").includes("json") ? await resp.json() : null;
  if (!resp.ok) {
    if (resp.status === 401 && !quiet401) onUnauthorized();
    throw new ApiError(resp.status, data?.detail ?? resp.statusText);
  }
  return data;
}
