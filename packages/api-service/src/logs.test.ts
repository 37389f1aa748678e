// GetLogs over the log-reader interface, with a store of the test's own: the lines, the
// app filter, the time bounds, the tail, rkt's dropping of empty lines, and follow.
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { PodRepo } from "@rkt/stage0";
import { ImageStore } from "@rkt/store";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { selectLines, type LogLine, type LogStore } from "./logs.js";
import { LOADER_OPTIONS, PROTO_FILE } from "./proto.js";
import { createApiServer } from "./server.js";

const UUID = "11111111-2222-3333-4444-555555555555";
const LINES: LogLine[] = [
  { time: 1_000_000, app: "web", text: "web 1" },
  { time: 2_000_000, app: "db", text: "db 1" },
  { time: 3_000_000, app: "web", text: "" },
  { time: 4_000_000, app: "web", text: "web 2" },
];

describe("GetLogs over a log store", () => {
  const dir = mkdtempSync(join(tmpdir(), "rkt-api-logs-"));
  let follower: ((l: LogLine[]) => void) | undefined;
  const store: LogStore = {
    open: () => ({
      read: async (q) => selectLines(LINES, q),
      follow: (q, on) => {
        follower = (l) => on(selectLines(l, q));
        return () => (follower = undefined);
      },
    }),
  };
  let server: grpc.Server;
  let client: grpc.Client & Record<string, Function>;

  beforeAll(async () => {
    const pod = join(dir, "pods", "run", UUID);
    mkdirSync(pod, { recursive: true });
    writeFileSync(join(pod, "pod"), JSON.stringify({ acKind: "PodManifest", acVersion: "1.30.0", apps: [{ name: "web", image: { id: "sha512-1" } }, { name: "db", image: { id: "sha512-2" } }] }));
    const api = createApiServer({
      global: { dir, systemConfig: "", localConfig: "", userConfig: "", insecureOptions: "none", trustKeysFromHttps: false, debug: false },
      rktVersion: "test",
      pods: new PodRepo(dir),
      store: new ImageStore(dir),
      logs: store,
      log: () => {},
    });
    server = api.server;
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const Ctor = (grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS)).v1alpha as grpc.GrpcObject).PublicAPI as grpc.ServiceClientConstructor;
    client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
  });
  afterAll(() => {
    client.close();
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = (req: object): Promise<string[][]> =>
    new Promise((resolve, reject) => {
      const got: string[][] = [];
      const s = client.GetLogs!(req) as grpc.ClientReadableStream<{ lines: string[] }>;
      s.on("data", (d) => got.push(d.lines));
      s.on("end", () => resolve(got));
      s.on("error", reject);
    });

  test("every app's lines, without the empty ones; one app's; a time window; the last N", async () => {
    expect(await read({ pod_id: UUID })).toEqual([["web 1", "db 1", "web 2"]]);
    expect(await read({ pod_id: UUID, app_name: "web" })).toEqual([["web 1", "web 2"]]);
    expect(await read({ pod_id: UUID, since_time: "2000", until_time: "4000" })).toEqual([["db 1"]]);
    expect(await read({ pod_id: UUID, lines: 1 })).toEqual([["web 2"]]);
    await expect(read({ pod_id: UUID, app_name: "nope" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  test("follow: the recorded lines, then new ones as they come, until the client cancels", async () => {
    const got: string[][] = [];
    const s = client.GetLogs!({ pod_id: UUID, app_name: "db", follow: true }) as grpc.ClientReadableStream<{ lines: string[] }>;
    s.on("data", (d) => got.push(d.lines));
    s.on("error", () => {});
    await expect.poll(() => got.length).toBe(1);
    await expect.poll(() => follower !== undefined).toBe(true);
    follower!([{ time: 5_000_000, app: "web", text: "web 3" }, { time: 5_000_001, app: "db", text: "db 2" }]);
    await expect.poll(() => got).toEqual([["db 1"], ["db 2"]]);
    s.cancel();
    await expect.poll(() => follower).toBeUndefined();
  });
});
