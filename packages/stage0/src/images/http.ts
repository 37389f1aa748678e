// HTTP(S) GET for images, signatures, discovery pages and keys, with rkt's rules:
//  - TLS against the system's CA store (ca.ts); --insecure-options=tls turns the check off;
//  - credentials from auth.d (basic, oauth bearer) for the request's host[:port], and only
//    over HTTPS, as rkt sends them;
//  - up to 10 redirects; a redirect from HTTPS to plain HTTP only where HTTP is allowed.
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import type { AuthEntry } from "../config/config.js";
import { RktError } from "../errors.js";
import { RKT_VERSION } from "../version.js";
import { systemCertificates } from "./ca.js";

export interface HttpPolicy {
  /** --insecure-options=tls: accept any certificate. */
  insecureTls: boolean;
  /** auth.d entries by domain (host[:port]). */
  auth: Map<string, AuthEntry>;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** GET unless told (HEAD: is a partial download still good). */
  method?: "GET" | "HEAD";
  /** Whether plain http:// URLs (and redirects to them) may be used. */
  allowHttp: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: string;
  body: IncomingMessage;
}

const MAX_REDIRECTS = 10;
/** A connection that sends nothing for this long is given up. */
const IDLE_TIMEOUT_MS = 60_000;

/** The Authorization header auth.d configures for a URL, if any (never over plain HTTP). */
export function authorizationFor(url: URL, auth: Map<string, AuthEntry>): string | undefined {
  if (url.protocol !== "https:") return undefined;
  const entry = auth.get(url.host);
  if (!entry) return undefined;
  if (entry.type === "basic") {
    const { user = "", password = "" } = entry.credentials;
    return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }
  return `Bearer ${entry.credentials.token ?? ""}`;
}

export class HttpClient {
  constructor(private readonly policy: HttpPolicy) {}

  async get(url: string, opts: GetOptions): Promise<HttpResponse> {
    let current = parseUrl(url);
    checkScheme(current, opts, url);
    for (let hop = 0; ; hop++) {
      const res = await this.once(current, opts.headers ?? {}, opts.method ?? "GET");
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.statusCode ?? 0) || !location) {
        return { status: res.statusCode ?? 0, headers: res.headers, url: current.toString(), body: res };
      }
      res.resume();
      if (hop + 1 >= MAX_REDIRECTS) throw new RktError(`${url}: too many redirects`);
      const next = new URL(location, current);
      if (next.protocol === "http:" && current.protocol === "https:" && !opts.allowHttp) {
        throw new RktError(`${url}: redirected from HTTPS to ${next.toString()}; plain HTTP needs --insecure-options=http`);
      }
      checkScheme(next, opts, url);
      current = next;
    }
  }

  /** GETs a small document (a discovery page, a key, a signature) into memory. */
  async bytes(url: string, opts: GetOptions & { maxBytes: number }): Promise<{ status: number; url: string; data: Buffer }> {
    const res = await this.get(url, opts);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > opts.maxBytes) {
          res.body.destroy();
          throw new RktError(`${url}: the answer is larger than ${opts.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof RktError) throw err;
      throw new RktError(`${url}: ${(err as Error).message}`);
    }
    return { status: res.status, url: res.url, data: Buffer.concat(chunks) };
  }

  private once(url: URL, headers: Record<string, string>, method: "GET" | "HEAD"): Promise<IncomingMessage> {
    const all: Record<string, string> = { "User-Agent": `rkt/${RKT_VERSION}`, ...headers };
    const authorization = authorizationFor(url, this.policy.auth);
    if (authorization) all.Authorization = authorization;
    return new Promise((resolve, reject) => {
      const options = { method, headers: all, timeout: IDLE_TIMEOUT_MS };
      const req =
        url.protocol === "https:"
          ? nodeHttps().request(url, {
              ...options,
              ca: this.policy.insecureTls ? undefined : systemCertificates(),
              rejectUnauthorized: !this.policy.insecureTls,
            })
          : nodeHttp().request(url, options);
      req.on("response", (res) => {
        res.setTimeout(IDLE_TIMEOUT_MS, () => res.destroy(new Error("the server stopped sending")));
        resolve(res);
      });
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", (err) => reject(new RktError(`${url.toString()}: ${networkMessage(err as NodeJS.ErrnoException)}`)));
      req.end();
    });
  }
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new RktError(`invalid URL ${JSON.stringify(url)}`);
  }
}

function checkScheme(url: URL, opts: GetOptions, original: string): void {
  if (url.protocol === "https:") return;
  if (url.protocol === "http:") {
    if (opts.allowHttp) return;
    throw new RktError(`${original}: plain HTTP is not allowed (use --insecure-options=http)`);
  }
  throw new RktError(`${original}: unsupported URL scheme ${JSON.stringify(url.protocol.replace(/:$/, ""))}`);
}

const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_UNTRUSTED",
]);

function networkMessage(err: NodeJS.ErrnoException): string {
  if (err.code && TLS_CODES.has(err.code)) {
    return `TLS certificate check failed: ${err.message} (trust the server's CA in the system store or SSL_CERT_FILE, or use --insecure-options=tls)`;
  }
  return err.message;
}

// node:http and node:https (with tls and net) load on the first request, not with stage0.
const requireBuiltin = createRequire(import.meta.url);
function nodeHttp(): typeof import("node:http") {
  return requireBuiltin("node:http") as typeof import("node:http");
}
function nodeHttps(): typeof import("node:https") {
  return requireBuiltin("node:https") as typeof import("node:https");
}
