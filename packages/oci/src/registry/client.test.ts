// The registry client against a registry simulated in the test: content negotiation, token
// and basic auth, redirects, retries, resumed downloads, and content that lies.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DigestMismatchError } from "../errors.js";
import { MediaType } from "../media-types.js";
import { parseDockerReference } from "../reference.js";
import type { BlobSink } from "../source.js";
import { RegistryClient } from "./client.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ server: Server; host: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const digestOf = (b: Buffer | string): `sha256:${string}` => `sha256:${createHash("sha256").update(b).digest("hex")}`;

class MemSink implements BlobSink {
  chunks: Buffer[] = [];
  get offset(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
  write(chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
  }
  reset(): void {
    this.chunks = [];
  }
  get data(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const blob = Buffer.alloc(300_000, 7);
for (let i = 0; i < blob.length; i++) blob[i] = (i * 31) & 0xff;
const blobDesc = { mediaType: MediaType.ociLayerGzip, digest: digestOf(blob), size: blob.length };
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: blobDesc, layers: [blobDesc] }));

let servers: Server[] = [];
let requests: { url: string; headers: IncomingMessage["headers"] }[] = [];

beforeEach(() => {
  servers = [];
  requests = [];
});
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function registry(blobHandler: (req: IncomingMessage, res: ServerResponse, attempt: number) => void, auth?: Handler): Promise<string> {
  let attempts = 0;
  const { server, host } = await serve((req, res) => {
    requests.push({ url: req.url ?? "", headers: req.headers });
    if (auth && req.url !== "/v2/") {
      auth(req, res);
      if (res.headersSent) return;
    }
    if (req.url === "/v2/") return void res.writeHead(200).end("{}");
    if (req.url?.startsWith("/v2/team/app/manifests/") && !req.url.endsWith("/missing")) {
      return void res.writeHead(200, { "Content-Type": MediaType.ociManifest, "Docker-Content-Digest": digestOf(manifest) }).end(manifest);
    }
    if (req.url === `/v2/team/app/blobs/${blobDesc.digest}`) return blobHandler(req, res, ++attempts);
    res.writeHead(404, { "Content-Type": "application/json" }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  });
  servers.push(server);
  return host;
}

function client(host: string, extra: Partial<ConstructorParameters<typeof RegistryClient>[1]> = {}): RegistryClient {
  return new RegistryClient(parseDockerReference(`${host}/team/app:1.0`), { allowHttp: true, insecureTls: false, backoffMs: 5, ...extra });
}

const whole: Parameters<typeof registry>[0] = (_req, res) => void res.writeHead(200, { "Content-Length": blob.length }).end(blob);

describe("RegistryClient", () => {
  it("asks for every manifest type, verifies the announced digest, falls back to plain HTTP when allowed", async () => {
    const host = await registry(whole);
    const c = client(host);
    const m = await c.resolve();
    expect(m.digest).toBe(digestOf(manifest));
    expect(m.mediaType).toBe(MediaType.ociManifest);
    const accept = requests.find((r) => r.url.includes("/manifests/"))!.headers.accept!;
    for (const t of [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList]) expect(accept).toContain(t);
    await c.close();
  });

  it("without --insecure-options=http a plain-HTTP registry is refused with the hint", async () => {
    const host = await registry(whole);
    await expect(client(host, { allowHttp: false }).resolve()).rejects.toThrow(`registry ${host}: the server does not speak TLS; to fetch over plain HTTP, use --insecure-options=http`);
  });

  it("a digest reference must match the content", async () => {
    const host = await registry(whole);
    const other = `sha256:${"0".repeat(64)}`;
    const c = new RegistryClient(parseDockerReference(`${host}/team/app@${other}`), { allowHttp: true, insecureTls: false });
    await expect(c.resolve()).rejects.toThrow(`manifest of ${host}/team/app@${other} (registry ${host}): content does not match its digest (got ${digestOf(manifest)})`);
    await c.close();
    const missing = new RegistryClient(parseDockerReference(`${host}/team/app:missing`), { allowHttp: true, insecureTls: false });
    await expect(missing.resolve()).rejects.toThrow(`manifest of ${host}/team/app:missing (registry ${host}): not found in registry ${host} (MANIFEST_UNKNOWN: manifest unknown)`);
    await missing.close();
  });

  it("resumes a download cut off in the middle with a Range request", async () => {
    const host = await registry((req, res, attempt) => {
      if (attempt === 1) {
        res.writeHead(200, { "Content-Length": blob.length });
        res.write(blob.subarray(0, 100_000), () => res.destroy());
        return;
      }
      const from = Number(/bytes=(\d+)-/.exec(String(req.headers.range))?.[1]);
      res.writeHead(206, { "Content-Range": `bytes ${from}-${blob.length - 1}/${blob.length}`, "Content-Length": blob.length - from }).end(blob.subarray(from));
    });
    const sink = new MemSink();
    const logs: string[] = [];
    const c = client(host, { log: (m) => logs.push(m) });
    await c.blob(blobDesc, sink);
    expect(sink.data.equals(blob)).toBe(true);
    const ranges = requests.filter((r) => r.url.includes("/blobs/")).map((r) => r.headers.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(logs.some((l) => /retrying/.test(l))).toBe(true);
    await c.close();
  });

  it("starts over when the server ignores the range", async () => {
    const host = await registry((_req, res, attempt) => {
      if (attempt === 1) {
        res.writeHead(200, { "Content-Length": blob.length });
        res.write(blob.subarray(0, 50_000), () => res.destroy());
        return;
      }
      res.writeHead(200, { "Content-Length": blob.length }).end(blob);
    });
    const sink = new MemSink();
    await client(host).blob(blobDesc, sink);
    expect(sink.data.equals(blob)).toBe(true);
  });

  it("retries HTTP 500 and 429 with backoff, then gives up naming the blob", async () => {
    const host = await registry((_req, res, attempt) => {
      if (attempt <= 2) return void res.writeHead(attempt === 1 ? 500 : 429).end();
      res.writeHead(200, { "Content-Length": blob.length }).end(blob);
    });
    const sink = new MemSink();
    await client(host).blob(blobDesc, sink);
    expect(sink.data.equals(blob)).toBe(true);

    const down = await registry((_req, res) => void res.writeHead(503).end());
    await expect(client(down, { attempts: 3 }).blob(blobDesc, new MemSink())).rejects.toThrow(
      new RegExp(`layer ${blobDesc.digest} of ${down}/team/app:1\\.0 \\(registry ${down}\\): registry ${down} answered HTTP 503`),
    );
  });

  it("a complete response shorter than the descriptor is a truncated blob, not retried", async () => {
    const host = await registry((_req, res) => void res.writeHead(200, { "Content-Length": 1000 }).end(blob.subarray(0, 1000)));
    await expect(client(host).blob(blobDesc, new MemSink())).rejects.toThrow(/truncated: got 1000 of 300000 bytes/);
    expect(requests.filter((r) => r.url.includes("/blobs/"))).toHaveLength(1);
  });

  it("more bytes than the descriptor says is an error", async () => {
    const host = await registry((_req, res) => void res.writeHead(200).end(Buffer.concat([blob, Buffer.alloc(10)])));
    await expect(client(host).blob(blobDesc, new MemSink())).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("follows redirects to storage without sending the registry's credentials there", async () => {
    const storage = await serve((req, res) => {
      requests.push({ url: `storage${req.url}`, headers: req.headers });
      res.writeHead(200, { "Content-Length": blob.length }).end(blob);
    });
    servers.push(storage.server);
    const auth = Buffer.from("u:p").toString("base64");
    const host = await registry(
      (_req, res) => void res.writeHead(307, { Location: `http://${storage.host}/data` }).end(),
      (req, res) => {
        if (req.headers.authorization !== `Basic ${auth}`) res.writeHead(401, { "WWW-Authenticate": 'Basic realm="x"' }).end();
      },
    );
    const sink = new MemSink();
    await client(host, { credentials: { user: "u", password: "p" } }).blob(blobDesc, sink);
    expect(sink.data.equals(blob)).toBe(true);
    const atStorage = requests.find((r) => r.url === "storage/data")!;
    expect(atStorage.headers.authorization).toBeUndefined();
  });

  it("answers a Bearer challenge with a token from the realm, anonymously or with credentials", async () => {
    const tokens: (string | undefined)[] = [];
    const tokenSrv = await serve((req, res) => {
      const u = new URL(req.url ?? "", "http://x");
      tokens.push(`${u.searchParams.get("service")} ${u.searchParams.get("scope")} ${req.headers.authorization ?? "anonymous"}`);
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token: "tok123" }));
    });
    servers.push(tokenSrv.server);
    const host = await registry(whole, (req, res) => {
      if (req.headers.authorization !== "Bearer tok123") {
        res.writeHead(401, { "WWW-Authenticate": `Bearer realm="http://${tokenSrv.host}/token",service="reg",scope="repository:team/app:pull"` }).end();
      }
    });
    const c = client(host);
    await c.resolve();
    const sink = new MemSink();
    await c.blob(blobDesc, sink);
    expect(sink.data.equals(blob)).toBe(true);
    expect(tokens).toEqual(["reg repository:team/app:pull anonymous"]); // one token, reused
    await c.close();
  });

  it("an unanswerable 401 says to configure dockerAuth", async () => {
    const host = await registry(whole, (_req, res) => void res.writeHead(401, { "WWW-Authenticate": 'Basic realm="r"' }).end());
    await expect(client(host).resolve()).rejects.toThrow(`registry ${host} requires authentication for team/app: add a dockerAuth entry for ${host} in auth.d`);
  });
});
