// An interrupted download resumes, as rkt's: `kill -9` of a fetching rkt stops its Node.js
// process too and leaves the part downloaded; the next fetch of that URL asks (HEAD) whether
// the server takes byte ranges and the resource is unchanged, and then only for the rest.
// A server that cannot resume gets the whole image asked for again.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { background, Sandbox, waitUntil } from "./helpers/rkt.js";

const sb = new Sandbox("fetch-resume");
let image: Buffer;
let server: Server;
let base: string;
/** What the server does with a GET without Range: send half then hang, or send it all. */
let mode: "interrupt" | "whole" = "interrupt";
/** Whether HEAD says the server takes byte ranges. */
let ranges = true;
let halfSent = false;
const hung: ServerResponse[] = [];
const log: { method: string; range?: string }[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  log.push({ method: req.method!, ...(req.headers.range ? { range: req.headers.range } : {}) });
  if (req.method === "HEAD") {
    res.writeHead(200, ranges ? { "Accept-Ranges": "bytes", "Last-Modified": "Mon, 02 Jan 2006 15:04:05 GMT" } : {});
    res.end();
    return;
  }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  if (m) {
    const from = Number(m[1]);
    res.writeHead(206, { "Content-Range": `bytes ${from}-${image.length - 1}/${image.length}`, "Content-Length": image.length - from });
    res.end(image.subarray(from));
    return;
  }
  if (mode === "whole") {
    res.writeHead(200, { "Content-Length": image.length });
    res.end(image);
    return;
  }
  res.writeHead(200, { "Content-Length": image.length });
  res.write(image.subarray(0, image.length >> 1), () => {
    halfSent = true;
  });
  hung.push(res);
}

beforeAll(async () => {
  // Uncompressed and large enough that half of it is on its way while the rest is held back.
  const file = buildAci(sb.path("big.aci"), { name: "example.com/big", version: "1.0", compress: "none", files: { "blob": "x".repeat(4 << 20) } });
  image = readFileSync(file);
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hung) res.destroy();
  await new Promise((r) => server.close(r));
  sb.cleanup();
});

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

/** Bytes of the partial downloads in the store's tmp directory. */
function partialBytes(): number {
  const tmp = `${sb.dataDir}/cas/tmp`;
  try {
    return readdirSync(tmp)
      .filter((f) => f.startsWith("dl-") && !f.endsWith(".etag"))
      .reduce((n, f) => n + statSync(`${tmp}/${f}`).size, 0);
  } catch {
    return 0;
  }
}

const imageId = (): string => `sha512-${createHash("sha512").update(image).digest("hex").slice(0, 32)}`;

async function interruptedFetch(url: string): Promise<void> {
  halfSent = false;
  mode = "interrupt";
  const bg = background(sb, ["--insecure-options=image", "fetch", url]);
  await waitUntil(() => halfSent, 30_000, "half of the image to be sent");
  // Sent is not yet received: rkt must have some of it on disk for a resume to ask for.
  await waitUntil(() => partialBytes() > 0, 30_000, "part of the image to be on disk");
  const launcher = bg.pid()!;
  const cli = childrenOf(launcher);
  expect(cli.length).toBe(1);
  process.kill(launcher, "SIGKILL");
  const r = await bg.done;
  expect(r.signal).toBe("SIGKILL");
  // The launcher's Node.js child does not go on alone.
  await waitUntil(() => !alive(cli[0]!), 10_000, "rkt's Node.js process to end with the launcher");
  for (const res of hung.splice(0)) res.destroy();
}

test("kill -9 during a download, then the next fetch asks only for the rest", async () => {
  await interruptedFetch(`${base}/big.aci`);
  expect(readdirSync(`${sb.dataDir}/cas/tmp`).filter((f) => f.startsWith("dl-") && !f.endsWith(".etag"))).toHaveLength(1);
  log.length = 0;
  const r = await sb.rkt(["--insecure-options=image", "fetch", `${base}/big.aci`]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe(`${imageId()}\n`);
  expect(log.map((l) => l.method)).toEqual(["HEAD", "GET"]);
  expect(log[1]!.range).toMatch(/^bytes=\d+-$/);
  expect(Number(/\d+/.exec(log[1]!.range!)![0])).toBeGreaterThan(0);
  // Nothing is left in the store's tmp directory.
  expect(readdirSync(`${sb.dataDir}/cas/tmp`).filter((f) => f.startsWith("dl-"))).toEqual([]);
});

test("a server that does not take ranges gets the whole image asked for again", async () => {
  await interruptedFetch(`${base}/big2.aci`);
  ranges = false;
  mode = "whole";
  log.length = 0;
  const r = await sb.rkt(["--insecure-options=image", "--debug", "fetch", "--no-store", `${base}/big2.aci`]);
  ranges = true;
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe(`${imageId()}\n`);
  expect(r.stderr).toContain("image: cannot use cached partial download, range request unsupported.");
  expect(log).toEqual([{ method: "HEAD" }, { method: "GET" }]);
});
