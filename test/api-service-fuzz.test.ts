// rkt api-service under bad input: random bytes on its port, HTTP/2 frames that break the
// protocol, and well-formed gRPC calls whose messages are garbage. Each attempt gets an
// error (or a closed connection) and the service goes on serving the next good call.
import { connect as h2connect, constants as h2 } from "node:http2";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Sandbox } from "./helpers/rkt.js";
import { apiClient, startService, type ApiClient, type Service } from "./helpers/services.js";

const PORT = 25000 + (process.pid % 4000);
const METHODS = ["GetInfo", "ListPods", "InspectPod", "ListImages", "InspectImage", "ListenEvents", "GetLogs"];
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** A small seeded generator: a failure can be replayed. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

function bytes(rand: (n: number) => number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => rand(256)));
}

/** Sends raw bytes, waits until the service closes the connection or a short while passes. */
function sendRaw(data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const c = connect(PORT, "127.0.0.1", () => c.write(data));
    const done = (): void => {
      c.destroy();
      resolve();
    };
    c.on("data", () => {});
    c.on("close", done);
    c.on("error", done);
    setTimeout(done, 200);
  });
}

function frame(type: number, flags: number, stream: number, payload: Buffer, length = payload.length): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(length & 0xffffff, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream >>> 0, 5);
  return Buffer.concat([h, payload]);
}

/** One gRPC call over HTTP/2 with the given body and headers; resolves with grpc-status (or the HTTP status). */
function grpcCall(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const session = h2connect(`http://127.0.0.1:${PORT}`);
    session.on("error", () => resolve("session error"));
    const req = session.request({ [h2.HTTP2_HEADER_METHOD]: "POST", [h2.HTTP2_HEADER_PATH]: path, "content-type": "application/grpc", te: "trailers", ...headers });
    let status = "";
    req.on("response", (h) => (status = String(h["grpc-status"] ?? h[":status"])));
    req.on("trailers", (t) => (status = String(t["grpc-status"])));
    req.on("data", () => {});
    req.on("error", () => (status ||= "stream error"));
    req.on("close", () => {
      session.close();
      resolve(status);
    });
    req.setTimeout(5000, () => req.close(h2.NGHTTP2_CANCEL));
    req.end(body);
  });
}

function lengthPrefixed(msg: Buffer, compressed = 0, declared = msg.length): Buffer {
  const h = Buffer.alloc(5);
  h[0] = compressed;
  h.writeUInt32BE(declared >>> 0, 1);
  return Buffer.concat([h, msg]);
}

describe("rkt api-service survives bad requests", () => {
  const sb = new Sandbox("api-fuzz");
  let svc: Service;
  let api: ApiClient;

  beforeAll(async () => {
    svc = await startService(sb, ["api-service", `--listen=127.0.0.1:${PORT}`], { ready: /API service running/ });
    api = apiClient(`127.0.0.1:${PORT}`);
  });
  afterAll(async () => {
    api?.close();
    if (svc) expect((await svc.stop()).code).toBe(0);
    sb.cleanup();
  });

  const stillServes = async (): Promise<void> => {
    expect(svc.exited()).toBe(false);
    expect((await api.call("GetInfo")).info.api_version).toBe("1.0.0-alpha");
  };

  test("random bytes, with and without the HTTP/2 preface", async () => {
    const rand = prng(1);
    for (let i = 0; i < 60; i++) {
      const junk = bytes(rand, 1 + rand(4096));
      await sendRaw(i % 2 ? Buffer.concat([PREFACE, junk]) : junk);
    }
    await stillServes();
  });

  test("HTTP/2 frames that break the protocol", async () => {
    const rand = prng(2);
    const bad = [
      frame(4, 0, 0, Buffer.alloc(5)), // SETTINGS of a length that is not a multiple of 6
      frame(4, 0, 1, Buffer.alloc(0)), // SETTINGS on a stream
      frame(8, 0, 0, Buffer.from([0, 0, 0, 0])), // WINDOW_UPDATE of 0
      frame(0, 0, 0, Buffer.from("data")), // DATA on stream 0
      frame(1, 4, 1, bytes(rand, 64)), // HEADERS with garbage HPACK
      frame(1, 4, 2, Buffer.from([0x82])), // HEADERS on an even (server) stream
      frame(0, 1, 7, Buffer.from("x")), // DATA on an idle stream
      frame(6, 0, 0, Buffer.alloc(3)), // PING of the wrong length
      frame(0xff, 0xff, 3, bytes(rand, 32)), // an unknown type
      frame(1, 0, 1, Buffer.alloc(0), 0xffffff), // a length beyond the maximum frame size
      frame(3, 0, 1, Buffer.alloc(4)), // RST_STREAM on an idle stream
      frame(7, 0, 0, Buffer.alloc(2)), // GOAWAY too short
    ];
    for (const f of bad) await sendRaw(Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(0)), f]));
    for (let i = 0; i < 40; i++) {
      const frames = Array.from({ length: 1 + rand(5) }, () => frame(rand(10), rand(256), rand(8), bytes(rand, rand(200))));
      await sendRaw(Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(0)), ...frames]));
    }
    await stillServes();
  });

  test("gRPC calls whose messages are garbage, truncated, oversized or wrongly framed", async () => {
    const rand = prng(3);
    const statuses = new Set<string>();
    for (const m of METHODS) {
      const path = `/v1alpha.PublicAPI/${m}`;
      for (let i = 0; i < 8; i++) statuses.add(await grpcCall(path, lengthPrefixed(bytes(rand, 1 + rand(300)))));
      statuses.add(await grpcCall(path, lengthPrefixed(bytes(rand, 10), 0, 1000))); // truncated
      statuses.add(await grpcCall(path, lengthPrefixed(bytes(rand, 10), 1))); // compressed without an encoding
      statuses.add(await grpcCall(path, lengthPrefixed(Buffer.alloc(10), 1), { "grpc-encoding": "snappy" }));
      statuses.add(await grpcCall(path, lengthPrefixed(Buffer.alloc(0), 0, 2 ** 31))); // a 2 GiB message announced
      statuses.add(await grpcCall(path, lengthPrefixed(Buffer.alloc((1 << 20) + 10)))); // over the 1 MiB limit
      statuses.add(await grpcCall(path, bytes(rand, 3))); // not even a frame header
      statuses.add(await grpcCall(path, lengthPrefixed(Buffer.alloc(0)), { "content-type": "text/plain" }));
    }
    statuses.add(await grpcCall("/v1alpha.PublicAPI/Nope", lengthPrefixed(Buffer.alloc(0))));
    statuses.add(await grpcCall("/../../etc/passwd", lengthPrefixed(Buffer.alloc(0))));
    // Every bad call got an answer of its own; none crashed the service.
    expect([...statuses].every((s) => s !== "")).toBe(true);
    await stillServes();
  });

  test("valid messages with hostile values: huge filters, odd IDs and paths", async () => {
    const long = "x".repeat(100_000);
    await expect(api.call("InspectPod", { id: "../../../../etc" })).rejects.toMatchObject({ code: 5 });
    await expect(api.call("InspectPod", { id: long })).rejects.toMatchObject({ code: 5 });
    await expect(api.call("InspectImage", { id: "sha512-../../x" })).rejects.toBeTruthy();
    await expect(api.call("InspectImage", { id: "\u0000" })).rejects.toBeTruthy();
    const filters = Array.from({ length: 500 }, (_, i) => ({ ids: [`id-${i}`], app_names: [long.slice(0, 1000)], states: ["POD_STATE_RUNNING"] }));
    expect((await api.call("ListPods", { filters })).pods).toEqual([]);
    expect((await api.call("ListImages", { filters: [{ imported_after: "9223372036854775807", prefixes: [long] }] })).images).toEqual([]);
    await stillServes();
  });
});
