// A small HTTP client over node:http/https for the Registry API: keep-alive connections,
// TLS verification that can be switched off (--insecure-options=tls), manual redirects
// (blob downloads are often redirected to a storage service, which must not receive the
// registry's credentials), and network errors turned into messages a user can act on.
import type * as http from "node:http";
import type * as https from "node:https";
import { createRequire } from "node:module";
import { RegistryError } from "../errors.js";

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: URL;
}

export interface HttpClientOptions {
  insecureTls: boolean;
  /** Trusted CA certificates (PEM); Node's bundled list when not given. */
  ca?: string[];
  /** Idle time on a connection before the request fails (and is retried). */
  timeoutMs?: number;
  userAgent?: string;
}

/** The connection failed before any HTTP response: may be retried, or be a TLS problem. */
export class NetworkError extends RegistryError {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly kind: "tls-verify" | "not-tls" | "network",
    options?: { cause?: unknown },
  ) {
    super(message, undefined, options);
    this.name = "NetworkError";
  }
}

const TLS_VERIFY_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function classify(err: NodeJS.ErrnoException): NetworkError {
  const code = err.code;
  if (code !== undefined && TLS_VERIFY_CODES.has(code)) {
    return new NetworkError(`its TLS certificate is not trusted (${firstLine(err.message)})`, code, "tls-verify", { cause: err });
  }
  if (code === "EPROTO" || code === "ERR_SSL_WRONG_VERSION_NUMBER" || /wrong version number|packet length too long/i.test(err.message)) {
    // OpenSSL's text (a multi-line record trace) helps nobody here
    return new NetworkError("the server does not speak TLS", code, "not-tls", { cause: err });
  }
  const what: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "connection reset",
    ETIMEDOUT: "timed out",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host name lookup failed",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    EPIPE: "connection closed",
  };
  const text = firstLine(err.message);
  return new NetworkError(code && what[code] ? `${what[code]} (${text})` : text, code, "network", { cause: err });
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}

export class HttpClient {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;
  private readonly timeoutMs: number;

  private readonly http: typeof http;
  private readonly https: typeof https;

  constructor(private readonly opts: HttpClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    // node:http and node:https (with tls and net) load when a registry client is made, not
    // whenever this package is imported.
    const load = createRequire(import.meta.url);
    this.http = load("node:http") as typeof http;
    this.https = load("node:https") as typeof https;
    this.httpsAgent = new this.https.Agent({
      keepAlive: true,
      maxSockets: 8,
      rejectUnauthorized: !opts.insecureTls,
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
    this.httpAgent = new this.http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  /** One request, no redirects. The caller consumes or destroys `body`. */
  request(url: URL, method: "GET" | "HEAD", headers: Record<string, string>): Promise<HttpResponse> {
    const secure = url.protocol === "https:";
    const mod = secure ? this.https : this.http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method,
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: { "User-Agent": this.opts.userAgent ?? "rkt-ts", ...headers },
        },
        (res) => {
          res.setTimeout(this.timeoutMs, () => res.destroy(Object.assign(new Error("no data received"), { code: "ETIMEDOUT" })));
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error("no response"), { code: "ETIMEDOUT" })));
      req.on("error", (err) => reject(classify(err)));
      req.end();
    });
  }

  /**
   * Follows redirects (at most 5). `headersFor` gives the headers for each URL, so that
   * credentials are only sent to the host they belong to.
   */
  async follow(url: URL, method: "GET" | "HEAD", headersFor: (u: URL) => Record<string, string>): Promise<HttpResponse> {
    let current = url;
    for (let hops = 0; ; hops++) {
      const res = await this.request(current, method, headersFor(current));
      if (![301, 302, 303, 307, 308].includes(res.status) || !res.headers.location) return res;
      res.body.resume();
      if (hops >= 5) throw new RegistryError(`too many redirects from ${url.origin}`);
      const next = new URL(res.headers.location, current);
      if (next.protocol !== "https:" && next.protocol !== "http:") throw new RegistryError(`redirect to unsupported URL ${next.href}`);
      if (current.protocol === "https:" && next.protocol === "http:") {
        throw new RegistryError(`${current.origin} redirected to plain HTTP (${next.origin}); refusing to downgrade`);
      }
      current = next;
    }
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}

/** Reads a whole (small) body, refusing more than `max` bytes. */
export async function readBody(res: HttpResponse, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers["content-length"]);
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    throw new RegistryError(`${what}: larger than ${max} bytes (${declared})`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res.body as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > max) {
        res.body.destroy();
        throw new RegistryError(`${what}: larger than ${max} bytes`);
      }
      chunks.push(c);
    }
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    throw classify(err as NodeJS.ErrnoException);
  }
  return Buffer.concat(chunks);
}

export { classify as classifyNetworkError };
