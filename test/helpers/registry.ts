// A Docker Distribution registry (Debian's docker-registry) on a free loopback port,
// started and stopped by the test that needs it: plain HTTP, TLS, htpasswd (basic auth),
// or token auth with a token service in the test process. Its access log tells which
// blobs and manifests clients asked for.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createHash, createSign, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RegistryOptions {
  /** Basic auth with this user (bcrypt htpasswd file made with `htpasswd -B`). */
  htpasswd?: { user: string; password: string };
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  /** Token auth: a token service in this process grants `user`/`password`. */
  token?: { user: string; password: string };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export class Registry {
  readonly root: string;
  host = "";
  private child: ChildProcess | undefined;
  private output = "";
  private tokenServer: Server | undefined;
  /** Token requests the token service answered (scope strings). */
  readonly tokenRequests: string[] = [];

  private constructor(private readonly opts: RegistryOptions) {
    this.root = mkdtempSync(join(tmpdir(), "rkt-test-registry-"));
  }

  static async start(opts: RegistryOptions = {}): Promise<Registry> {
    // A free port can be taken by someone else before the registry binds it: try again.
    for (let attempt = 1; ; attempt++) {
      const r = new Registry(opts);
      try {
        await r.launch();
        return r;
      } catch (err) {
        await r.stop();
        if (attempt >= 3 || !/address already in use/.test(String(err))) throw err;
      }
    }
  }

  get dataDir(): string {
    return join(this.root, "data");
  }

  private async launch(): Promise<void> {
    const port = await freePort();
    this.host = `127.0.0.1:${port}`;
    const lines = [
      "version: 0.1",
      "log:",
      "  level: info",
      "  accesslog:",
      "    disabled: false",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${this.dataDir}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: ${this.host}`,
    ];
    if (this.opts.tls) {
      writeFileSync(join(this.root, "tls.crt"), this.opts.tls.cert);
      writeFileSync(join(this.root, "tls.key"), this.opts.tls.key);
      lines.push("  tls:", `    certificate: ${join(this.root, "tls.crt")}`, `    key: ${join(this.root, "tls.key")}`);
    }
    if (this.opts.htpasswd) {
      const { user, password } = this.opts.htpasswd;
      execFileSync("htpasswd", ["-Bbc", join(this.root, "htpasswd"), user, password], { stdio: "ignore" });
      lines.push("auth:", "  htpasswd:", "    realm: rkt-test", `    path: ${join(this.root, "htpasswd")}`);
    }
    if (this.opts.token) {
      const realm = await this.startTokenService(this.opts.token);
      lines.push(
        "auth:",
        "  token:",
        `    realm: ${realm}`,
        "    service: rkt-test-registry",
        "    issuer: rkt-test-issuer",
        `    rootcertbundle: ${join(this.root, "token.crt")}`,
      );
    }
    writeFileSync(join(this.root, "config.yml"), lines.join("\n") + "\n");
    this.child = spawn("docker-registry", ["serve", join(this.root, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 15_000;
    while (!(await this.answers())) {
      if (this.child.exitCode !== null) throw new Error(`docker-registry exited: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`docker-registry did not start: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = (this.opts.tls ? httpsRequest : httpRequest)(
        `${this.opts.tls ? "https" : "http"}://${this.host}/v2/`,
        { rejectUnauthorized: false, timeout: 1000 },
        (res) => {
          res.resume();
          resolve(true);
        },
      );
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
      req.end();
    });
  }

  /** A token service signing RS256 JWTs with a self-signed key the registry trusts. */
  private async startTokenService(creds: { user: string; password: string }): Promise<string> {
    const crt = join(this.root, "token.crt");
    const keyFile = join(this.root, "token.key");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=rkt-test-token", "-keyout", keyFile, "-out", crt], { stdio: "ignore" });
    const key = readFileSync(keyFile, "utf8");
    const der = Buffer.from(readFileSync(crt, "utf8").replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
    const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");
    this.tokenServer = createHttpServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const expected = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString("base64")}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "Content-Type": "application/json" }).end('{"details":"bad credentials"}');
        return;
      }
      const scope = url.searchParams.get("scope") ?? "";
      this.tokenRequests.push(scope);
      const access = scope
        ? [{ type: "repository", name: scope.split(":")[1], actions: (scope.split(":")[2] ?? "").split(",") }]
        : [];
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: "RS256", typ: "JWT", x5c: [der.toString("base64")] };
      const claims = { iss: "rkt-test-issuer", sub: creds.user, aud: url.searchParams.get("service"), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const sig = createSign("RSA-SHA256").update(input).sign(key);
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token: `${input}.${b64url(sig)}`, expires_in: 300 }));
    });
    await new Promise<void>((r) => this.tokenServer!.listen(0, "127.0.0.1", () => r()));
    return `http://127.0.0.1:${(this.tokenServer.address() as AddressInfo).port}/token`;
  }

  /** Everything the registry logged. */
  log(): string {
    return this.output;
  }

  /** Marks the current end of the log; `since(mark)` returns what came after. */
  mark(): number {
    return this.output.length;
  }

  /** Requests (method and path) in the access log after `mark`, answered with 2xx/3xx. */
  requests(mark = 0): { method: string; path: string; status: number }[] {
    const out: { method: string; path: string; status: number }[] = [];
    for (const m of this.output.slice(mark).matchAll(/"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+) HTTP\/[\d.]+" (\d{3})/g)) {
      out.push({ method: m[1]!, path: m[2]!, status: Number(m[3]) });
    }
    return out;
  }

  /** Digests of blobs served by GET after `mark` (200 or 206). */
  blobGets(mark = 0): string[] {
    return this.requests(mark)
      .filter((r) => r.method === "GET" && (r.status === 200 || r.status === 206) && /\/blobs\/sha256:/.test(r.path))
      .map((r) => r.path.slice(r.path.indexOf("sha256:")));
  }

  /** The file the registry keeps a blob in (tests corrupt it on purpose). */
  blobFile(digest: string): string {
    const hex = digest.replace(/^sha256:/, "");
    return join(this.dataDir, "docker", "registry", "v2", "blobs", "sha256", hex.slice(0, 2), hex, "data");
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.tokenServer) await new Promise<void>((r) => this.tokenServer!.close(() => r()));
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function digestOf(b: Buffer): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}
