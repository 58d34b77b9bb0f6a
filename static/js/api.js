// fetch() for the Loket JSON API: session cookie + CSRF header, JSON in and out,
// and one error type for everything that is not a 2xx answer.

const TIMEOUT_MS = 10000;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** A failed request. `status` is 0 when the server could not be reached at all. */
export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.body = body;
  }

  get isNetwork() {
    return this.status === 0;
  }
}

export function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

/**
 * Calls the API and returns the parsed JSON body; throws ApiError otherwise.
 * State-changing requests carry the CSRF token the server set in the readable cookie.
 */
export async function api(path, { method = "GET", body, headers = {}, timeout = TIMEOUT_MS } = {}) {
  const sent = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (!SAFE_METHODS.has(method)) {
    const csrf = cookie("loket_csrf");
    if (csrf) sent["X-CSRF-Token"] = csrf;
  }
  // A hung request must end so that the page can say so and the user can retry.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal: abort.signal,
    });
  } catch (error) {
    throw new ApiError(0, "network", String(error && error.message ? error.message : error));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null; // an empty or non-JSON body (a proxy's error page, say)
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || `http_${response.status}`, error.message, data);
  }
  return data;
}

/**
 * A random UUID v4. crypto.randomUUID() exists only in secure contexts, and counter PCs
 * often open the server by its LAN address over plain http, so build it from getRandomValues.
 */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
