// Web servers for fetch and trust tests, on loopback, in the test process: they serve
// images, signatures, discovery pages and keys, and record what rkt asked. HTTPS servers
// use a certificate from a CA made for the test with openssl; rkt is pointed at that CA
// with SSL_CERT_FILE (as Go programs, rkt included, are), never the system's store.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export class TestCA {
  readonly dir: string;
  readonly certFile: string;
  private readonly keyFile: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "rkt-test-ca-"));
    this.certFile = join(this.dir, "ca.pem");
    this.keyFile = join(this.dir, "ca.key");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=rkt test CA", "-keyout", this.keyFile, "-out", this.certFile], { stdio: "ignore" });
  }

  /** A server certificate for these IP addresses and DNS names. */
  issue(names: string[]): { cert: string; key: string } {
    const base = join(this.dir, `srv-${Math.random().toString(16).slice(2)}`);
    const san = names.map((n) => (/^[0-9.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    writeFileSync(`${base}.ext`, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
    execFileSync("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", `/CN=${names[0]}`, "-keyout", `${base}.key`, "-out", `${base}.csr`], { stdio: "ignore" });
    execFileSync("openssl", ["x509", "-req", "-in", `${base}.csr`, "-CA", this.certFile, "-CAkey", this.keyFile, "-CAcreateserial", "-days", "2", "-extfile", `${base}.ext`, "-out", `${base}.pem`], { stdio: "ignore" });
    return { cert: readFileSync(`${base}.pem`, "utf8"), key: readFileSync(`${base}.key`, "utf8") };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Route {
  body?: Buffer | string;
  /** A file whose current content is served (so a test can change it). */
  file?: string;
  status?: number;
  contentType?: string;
  etag?: string;
  /** Sent as Cache-Control: max-age=N. */
  maxAge?: number;
  redirect?: string;
  /** "Basic <base64>" or "Bearer <token>" the request must carry. */
  authorization?: string;
  /** Answers 202 until `after` was served once (a deferred signature). */
  deferUntil?: string;
}

export interface Logged {
  method: string;
  path: string;
  status: number;
  headers: IncomingMessage["headers"];
}

export class TestServer {
  readonly routes = new Map<string, Route>();
  readonly log: Logged[] = [];
  private readonly served = new Set<string>();
  private server!: Server;
  host = "127.0.0.1";
  port = 0;
  scheme: "http" | "https" = "http";

  static async start(opts: { tls?: { cert: string; key: string }; host?: string; port?: number } = {}): Promise<TestServer> {
    const s = new TestServer();
    const handler = (req: IncomingMessage, res: ServerResponse): void => s.handle(req, res);
    s.server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createHttpServer(handler);
    s.scheme = opts.tls ? "https" : "http";
    s.host = opts.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.server.listen(opts.port ?? 0, s.host, () => resolve());
    });
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  /** host:port, or the bare host on the scheme's default port. */
  get authority(): string {
    const dflt = this.scheme === "https" ? 443 : 80;
    return this.port === dflt ? this.host : `${this.host}:${this.port}`;
  }

  url(path: string): string {
    return `${this.scheme}://${this.authority}${path}`;
  }

  /** Requests for a path (without the query) that got this status, or any status. */
  hits(path: string, status?: number): Logged[] {
    return this.log.filter((l) => l.path === path && (status === undefined || l.status === status));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0]!;
    const query = (req.url ?? "").includes("?") ? (req.url ?? "").slice((req.url ?? "").indexOf("?")) : "";
    const route = this.routes.get(path + query) ?? this.routes.get(path);
    const reply = (status: number, headers: Record<string, string | number> = {}, body?: Buffer | string): void => {
      this.log.push({ method: req.method ?? "GET", path, status, headers: req.headers });
      res.writeHead(status, headers);
      res.end(body);
    };
    if (!route) return reply(404, {}, "not found");
    if (route.authorization && req.headers.authorization !== route.authorization) return reply(401, { "WWW-Authenticate": "Basic" }, "unauthorized");
    if (route.redirect) return reply(302, { Location: route.redirect });
    if (route.deferUntil && !this.served.has(route.deferUntil)) return reply(202);
    const headers: Record<string, string | number> = { "Content-Type": route.contentType ?? "application/octet-stream" };
    if (route.etag) headers.ETag = route.etag;
    if (route.maxAge !== undefined) headers["Cache-Control"] = `max-age=${route.maxAge}`;
    if (route.etag && req.headers["if-none-match"] === route.etag) return reply(304, headers);
    const body = route.file ? readFileSync(route.file) : (route.body ?? "");
    headers["Content-Length"] = Buffer.byteLength(body);
    this.served.add(path);
    reply(route.status ?? 200, headers, body);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** A loopback address of the test's own (127.x.y.z), so that servers on port 443 of
 *  different test files do not meet. Image names can use it as their host. */
export function loopbackAddress(): string {
  const b = () => 1 + Math.floor(Math.random() * 250);
  return `127.${b()}.${b()}.${b()}`;
}

/** A discovery page with the given meta tags. */
export function discoveryPage(tags: { name: string; content: string }[]): string {
  return `<!DOCTYPE html>\n<html><head>\n${tags.map((t) => `<meta name="${t.name}" content="${t.content}">`).join("\n")}\n</head><body></body></html>\n`;
}
