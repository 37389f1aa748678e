// rkt api-service end to end: the real service (exec'd in rkt's place by the launcher) and
// a real gRPC client built from rkt's api.proto, against pods and images made by the real
// rkt. What the API says is checked against rkt status, rkt list, rkt image list and the
// files of the pods.
import { readFileSync, statSync } from "node:fs";
import { connect, createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { RUN, startPod } from "./helpers/net.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { RKT, run, Sandbox, waitUntil } from "./helpers/rkt.js";
import { apiClient, grpc, rktArgs, startService, type ApiClient, type Json, type Service } from "./helpers/services.js";

/** Ports of this file's services, away from rkt's 15441 and from other test files. */
const PORT = 21000 + (process.pid % 4000) * 2;

describe("rkt api-service", () => {
  const sb = new Sandbox("api");
  let img: string;
  let svc: Service;
  let api: ApiClient;
  const uuids: Record<string, string> = {};

  const podOf = (pods: Json[], uuid: string): Json => pods.find((p) => p.id === uuid)!;
  const prepare = async (args: string[]): Promise<string> => {
    const r = await sb.rkt(["--insecure-options=image", "prepare", "--quiet", ...args]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    img = buildAci(sb.path("api.aci"), {
      name: "example.com/api-test",
      version: "2.1",
      annotations: [{ name: "example.com/kind", value: "test-image" }],
      app: { exec: ["/bin/sh", "-c", "exit 3"], user: "0", group: "0" },
    });
    svc = await startService(sb, ["--insecure-options=image,tls", "api-service", `--listen=127.0.0.1:${PORT}`], { ready: /API service running/ });
    api = apiClient(`127.0.0.1:${PORT}`);
  });
  afterAll(async () => {
    api?.close();
    await svc?.stop();
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("starts with rkt's messages; GetInfo gives the versions and the global flags it runs with", async () => {
    expect(svc.stderr()).toBe(`api-service: API service starting...\napi-service: Listening on 127.0.0.1:${PORT}\napi-service: API service running\n`);
    const { info } = await api.call("GetInfo");
    expect(info).toEqual({
      rkt_version: expect.stringMatching(/^1\.30\.0\+rkt-ts\./),
      appc_version: "0.8.11",
      api_version: "1.0.0-alpha",
      global_flags: {
        dir: sb.dataDir,
        system_config_dir: sb.systemConfig,
        local_config_dir: sb.localConfig,
        user_config_dir: "",
        insecure_flags: "image,tls",
        trust_keys_from_https: false,
      },
    });
  });

  test("ListPods and InspectPod: states, apps, exit codes, times and the manifest, as rkt status sees them", async () => {
    expect((await api.call("ListPods")).pods).toEqual([]);
    uuids.prepared = await prepare([img, "--annotation=example.com/app-note=a1"]);
    const exited = await sb.rkt([...RUN, `--uuid-file-save=${sb.path("uuid-exited")}`, img]);
    expect(exited.code).toBe(3);
    uuids.exited = readFileSync(sb.path("uuid-exited"), "utf8");

    const { pods } = await api.call("ListPods");
    expect(pods.map((p: Json) => p.id).sort()).toEqual([uuids.prepared, uuids.exited].sort());
    const prepared = podOf(pods, uuids.prepared);
    expect(prepared).toMatchObject({ state: "POD_STATE_PREPARED", pid: -1, networks: [], cgroup: "", started_at: "0", gc_marked_at: "0" });
    expect(prepared.manifest.length).toBe(0);
    expect(prepared.apps).toEqual([
      {
        name: "api-test",
        image: expect.objectContaining({ base_format: { type: "IMAGE_TYPE_APPC", version: "0.8.11" }, name: "example.com/api-test", version: "2.1", id: expect.stringMatching(/^sha512-/) }),
        state: "APP_STATE_UNDEFINED",
        exit_code: -1,
        annotations: [{ Key: "example.com/app-note", value: "a1" }],
      },
    ]);
    // Nanoseconds, from the files rkt's status reads.
    expect(prepared.created_at).toBe(statSync(sb.path("data/pods/prepared", uuids.prepared, "pod-created"), { bigint: true }).mtimeNs.toString());

    const ex = podOf(pods, uuids.exited);
    expect(ex.state).toBe("POD_STATE_EXITED");
    expect(ex.apps[0]).toMatchObject({ state: "APP_STATE_EXITED", exit_code: 3 });
    expect(ex.annotations).toEqual([{ Key: "coreos.com/rkt/stage1/mutable", value: "false" }]);
    const status = (await sb.rkt(["status", uuids.exited])).stdout;
    const ip = /^networks=default:ip4=([0-9.]+)$/m.exec(status)![1];
    expect(ex.networks).toEqual([{ name: "default", ipv4: ip, ipv6: "" }]);
    expect(Number(BigInt(ex.started_at) / 1_000_000n)).toBeGreaterThanOrEqual(Number(BigInt(ex.created_at) / 1_000_000n));

    // detail: the manifest exactly as the pod has it; InspectPod always has it.
    const detailed = podOf((await api.call("ListPods", { detail: true })).pods, uuids.exited);
    const file = readFileSync(sb.path("data/pods/run", uuids.exited, "pod"));
    expect(Buffer.compare(detailed.manifest, file)).toBe(0);
    const { pod } = await api.call("InspectPod", { id: uuids.exited });
    expect(Buffer.compare(pod.manifest, file)).toBe(0);
    expect({ ...pod, manifest: undefined }).toEqual({ ...ex, manifest: undefined });
    // By a unique prefix, as rkt's commands take it.
    expect((await api.call("InspectPod", { id: uuids.exited.slice(0, 8) })).pod.id).toBe(uuids.exited);
  });

  test("InspectPod of an unknown or empty ID: NOT_FOUND and INVALID_ARGUMENT, and the service goes on", async () => {
    await expect(api.call("InspectPod", { id: "00000000-0000-0000-0000-000000000000" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: expect.stringMatching(/no matches found/) });
    await expect(api.call("InspectPod", { id: "" })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect((await api.call("GetInfo")).info.api_version).toBe("1.0.0-alpha");
  });

  test("a running pod: RUNNING, its pid as rkt status says, its cgroup, and the filters that find it", async () => {
    const pod = await startPod(sb, [img, ...sh("sleep 600")]);
    try {
      const { pods } = await api.call("ListPods", { filters: [{ states: ["POD_STATE_RUNNING"] }] });
      expect(pods.map((p: Json) => p.id)).toEqual([pod.uuid]);
      const p = pods[0];
      const pid = Number(/^pid=(\d+)$/m.exec((await sb.rkt(["status", pod.uuid])).stdout)![1]);
      expect(p.pid).toBe(pid);
      expect(p.apps[0]).toMatchObject({ state: "APP_STATE_RUNNING", exit_code: 0 });
      // The pod's own cgroup (the nspawn stage1's <pod>/subcgroup): its PID 1 is below it.
      expect(p.cgroup).toBe(`/rkt/${pod.uuid}`);
      const own = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.includes(":name=systemd:"))!.split(":")[2]!;
      expect(own.startsWith(`${p.cgroup}/`) || own === p.cgroup).toBe(true);

      const ids = async (filters: Json[]): Promise<string[]> => (await api.call("ListPods", { filters })).pods.map((x: Json) => x.id).sort();
      expect(await ids([{ cgroups: [p.cgroup] }])).toEqual([pod.uuid]);
      expect(await ids([{ pod_sub_cgroups: [`${p.cgroup}/system.slice`] }])).toEqual([pod.uuid]);
      expect(await ids([{ network_names: ["default"], states: ["POD_STATE_RUNNING"] }])).toEqual([pod.uuid]);
      expect(await ids([{ ids: [uuids.prepared!] }, { ids: [pod.uuid] }])).toEqual([uuids.prepared!, pod.uuid].sort());
      expect(await ids([{ app_names: ["api-test"], states: ["POD_STATE_EXITED"], annotations: [{ Key: "coreos.com/rkt/stage1/mutable", value: "false" }] }])).toEqual([uuids.exited!]);
      expect(await ids([{ annotations: [{ Key: "coreos.com/rkt/stage1/mutable", value: "true" }] }])).toEqual([]);
      expect(await ids([{ app_names: ["api-test", "other"] }])).toEqual([]);
      expect(await ids([{ image_ids: [p.apps[0].image.id], states: ["POD_STATE_PREPARED"] }])).toEqual([uuids.prepared!]);
    } finally {
      await sb.rkt(["stop", "--force", pod.uuid]);
      await pod.done;
    }
    // Once stopped: exited, no cgroup.
    const after = (await api.call("InspectPod", { id: pod.uuid })).pod;
    expect(after).toMatchObject({ state: "POD_STATE_EXITED", cgroup: "" });
  });

  test("after rkt gc --mark-only: GARBAGE, with the time gc marked them", async () => {
    const before = Date.now();
    expect((await sb.rkt(["gc", "--mark-only=true"])).code).toBe(0);
    const { pods } = await api.call("ListPods", { filters: [{ states: ["POD_STATE_GARBAGE"] }] });
    expect(pods.length).toBeGreaterThanOrEqual(2);
    for (const p of pods) {
      const marked = Number(BigInt(p.gc_marked_at) / 1_000_000n);
      expect(marked).toBeGreaterThanOrEqual(before - 1000);
      expect(marked).toBeLessThanOrEqual(Date.now());
      expect(p.networks).toEqual([]);
    }
  });

  test("ListImages and InspectImage: what rkt image list and cat-manifest say, and the filters", async () => {
    const list = JSON.parse((await sb.rkt(["image", "list", "--format=json"])).stdout) as Json[];
    const { images } = await api.call("ListImages");
    expect(images.length).toBe(list.length);
    const mine = images.find((i: Json) => i.name === "example.com/api-test")!;
    const listed = list.find((i) => i.id === mine.id)!;
    expect(mine).toMatchObject({
      base_format: { type: "IMAGE_TYPE_APPC", version: "0.8.11" },
      version: "2.1",
      size: String(listed.size),
      import_timestamp: String(Math.floor(listed.import_time / 1e9)),
      annotations: [{ Key: "example.com/kind", value: "test-image" }],
      labels: [
        { Key: "version", value: "2.1" },
        { Key: "os", value: "linux" },
        { Key: "arch", value: "amd64" },
      ],
    });
    expect(mine.manifest.length).toBe(0);
    const catManifest = (await sb.rkt(["image", "cat-manifest", "--pretty-print=false", mine.id])).stdout.trimEnd();
    const { image } = await api.call("InspectImage", { id: mine.id });
    expect(image.manifest.toString()).toBe(catManifest);
    expect((await api.call("ListImages", { detail: true })).images.find((i: Json) => i.id === mine.id).manifest.toString()).toBe(catManifest);
    await expect(api.call("InspectImage", { id: "sha512-0000" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });

    const names = async (filters: Json[]): Promise<string[]> => (await api.call("ListImages", { filters })).images.map((i: Json) => i.name).filter((n: string) => n.startsWith("example.com/"));
    expect(await names([{ prefixes: ["example.com/api"] }])).toEqual(["example.com/api-test"]);
    expect(await names([{ base_names: ["api-test"] }])).toEqual(["example.com/api-test"]);
    expect(await names([{ base_names: ["api"] }])).toEqual([]);
    expect(await names([{ keywords: ["pi-te"] }])).toEqual(["example.com/api-test"]);
    expect(await names([{ full_names: ["example.com/api-test"], labels: [{ Key: "version", value: "2.1" }] }])).toEqual(["example.com/api-test"]);
    expect(await names([{ labels: [{ Key: "version", value: "9" }] }])).toEqual([]);
    const t = Number(mine.import_timestamp);
    expect(await names([{ imported_after: String(t - 1), imported_before: String(t + 1) }])).toEqual(["example.com/api-test"]);
    expect(await names([{ imported_after: String(t) }])).toEqual([]);
    expect(await names([{ annotations: [{ Key: "example.com/kind", value: "test-image" }] }])).toEqual(["example.com/api-test"]);
  });

  test("ListenEvents: an image imported, a pod prepared, started and exited with its app's exit code, an image removed", async () => {
    const events: Json[] = [];
    let responses = 0;
    const stream = api.stream("ListenEvents", {});
    stream.on("data", (r: Json) => (responses++, events.push(...r.events)));
    stream.on("error", () => {});
    // The first (empty) response says the watch is in place.
    await waitUntil(() => responses > 0, 10_000, "the watch");
    const other = buildAci(sb.path("events.aci"), { name: "example.com/events", app: { exec: ["/bin/sh", "-c", "exit 7"], user: "0", group: "0" } });
    const fetched = await sb.rkt(["--insecure-options=image", "fetch", other]);
    const key = fetched.stdout.trim();
    expect(key).toMatch(/^sha512-[0-9a-f]{32}$/);
    await waitUntil(() => events.some((e) => e.type === "EVENT_TYPE_IMAGE_IMPORTED"), 10_000, "the import event");
    const r = await sb.rkt([...RUN, `--uuid-file-save=${sb.path("uuid-events")}`, key]);
    expect(r.code).toBe(7);
    const uuid = readFileSync(sb.path("uuid-events"), "utf8");
    await waitUntil(() => events.some((e) => e.type === "EVENT_TYPE_POD_EXITED"), 10_000, "the exit event");
    expect(events.find((e) => e.type === "EVENT_TYPE_IMAGE_IMPORTED")).toMatchObject({ id: expect.stringMatching(new RegExp(`^${key}[0-9a-f]{32}$`)), from: "example.com/events" });
    const mine = events.filter((e) => e.id === uuid).map((e) => [e.type, e.from]);
    expect(mine).toEqual([
      ["EVENT_TYPE_POD_PREPARED", uuid],
      ["EVENT_TYPE_POD_STARTED", uuid],
      ["EVENT_TYPE_APP_STARTED", "events"],
      ["EVENT_TYPE_APP_EXITED", "events"],
      ["EVENT_TYPE_POD_EXITED", uuid],
    ]);
    expect(events.find((e) => e.type === "EVENT_TYPE_APP_EXITED").data).toEqual([{ Key: "exit-code", value: "7" }]);
    expect(Math.abs(Number(events[0].time) - Date.now() / 1000)).toBeLessThan(30);
    await sb.rkt(["gc", "--grace-period=0s"]);
    expect((await sb.rkt(["image", "rm", key])).code).toBe(0);
    await waitUntil(() => events.some((e) => e.type === "EVENT_TYPE_IMAGE_REMOVED"), 10_000, "the removal event");
    await waitUntil(() => events.some((e) => e.type === "EVENT_TYPE_POD_GARBAGE_COLLECTED" && e.id === uuid), 10_000, "the gc event");
    stream.cancel();
  });

  test("ListenEvents with a filter gets only those events; until_time ends the stream", async () => {
    const stream = api.stream("ListenEvents", { filter: { types: ["EVENT_TYPE_IMAGE_IMPORTED"], until_time: String(Math.floor(Date.now() / 1000) + 3) } });
    const got: Json[] = [];
    let responses = 0;
    stream.on("data", (r: Json) => (responses++, got.push(...r.events)));
    const ended = new Promise<void>((resolve, reject) => {
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    await waitUntil(() => responses > 0, 10_000, "the watch");
    await sb.rkt([...RUN, img]);
    await ended;
    expect(got).toEqual([]);
  });

  test("GetLogs: the pod's logs are not recorded (a clear FAILED_PRECONDITION); unknown pods and apps are NOT_FOUND", async () => {
    const read = (req: Json): Promise<Json[]> =>
      new Promise((resolve, reject) => {
        const out: Json[] = [];
        const s = api.stream("GetLogs", req);
        s.on("data", (d: Json) => out.push(d));
        s.on("end", () => resolve(out));
        s.on("error", reject);
      });
    await expect(read({ pod_id: uuids.prepared })).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: `logs are not recorded for pod ${uuids.prepared}: this rkt keeps no record of the apps' output yet (rkt read it from the pod's journal)`,
    });
    await expect(read({ pod_id: uuids.prepared, app_name: "nope" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(read({ pod_id: "ffffffff" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  test("SIGTERM: streams in flight end, the service says it exits and exits 0, the port is free again", async () => {
    const other = await startService(sb, ["api-service", `--listen=127.0.0.1:${PORT + 1}`], { ready: /API service running/ });
    const client = apiClient(`127.0.0.1:${PORT + 1}`);
    const stream = client.stream("ListenEvents", {});
    stream.on("data", () => {});
    const closed = new Promise<string>((resolve) => {
      stream.on("error", (e: Error) => resolve(`error ${e.message}`));
      stream.on("end", () => resolve("end"));
    });
    await client.call("GetInfo").catch(async (e) => {
      await other.stop("SIGKILL");
      throw e;
    });
    expect(await other.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(other.stderr()).toMatch(/API service exiting\.\.\.\n$/);
    expect(await closed).toBe("end");
    client.close();
    await new Promise<void>((resolve, reject) => {
      const probe = createServer().listen(PORT + 1, "127.0.0.1", () => probe.close(() => resolve()));
      probe.on("error", reject);
    });
  });

  test("socket activation: serves the socket it is passed (LISTEN_FDS, LISTEN_PID); refuses --listen with it", async () => {
    // systemd-socket-activate binds the socket, and on the first connection starts the
    // service with it as fd 3 and LISTEN_FDS/LISTEN_PID set, as systemd does.
    const activate = (extra: string[]) => ({ file: "systemd-socket-activate", args: ["-l", `127.0.0.1:${PORT + 1}`, RKT, ...rktArgs(sb, ["api-service", ...extra])] });
    const accepts = (): Promise<boolean> =>
      new Promise<boolean>((resolve) => {
        const c = connect(PORT + 1, "127.0.0.1", () => (c.destroy(), resolve(true)));
        c.on("error", () => resolve(false));
      });
    const starting = startService(sb, [], { command: activate([]), ready: /API service running/ });
    await waitUntil(accepts, 10_000, "the activation socket");
    const activated = await starting;
    const client = apiClient(`127.0.0.1:${PORT + 1}`);
    try {
      expect((await client.call("GetInfo")).info.api_version).toBe("1.0.0-alpha");
      expect(activated.stderr()).toMatch(/api-service: Listening on 1 systemd-provided socket\(s\)\n/);
    } finally {
      client.close();
      expect((await activated.stop()).code).toBe(0);
    }

    const refused = run("systemd-socket-activate", activate(["--listen=127.0.0.1:1"]).args);
    await waitUntil(accepts, 10_000, "the activation socket");
    const r = await refused;
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/api-service: started under systemd\.socket\(5\), but --listen passed! Quitting\.\n/);
  });

  test("bad flags: one message, exit 254", async () => {
    for (const [flag, msg] of [
      ["--listen=nonsense", /invalid --listen address "nonsense": use HOST:PORT/],
      ["--listen=127.0.0.1:99999", /invalid --listen address/],
      [`--listen=127.0.0.1:${PORT}`, /could not open tcp socket: 127\.0\.0\.1:\d+: listen EADDRINUSE/],
    ] as const) {
      const r = await sb.rkt(["api-service", flag]);
      expect(r.code, flag).toBe(254);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const extra = await sb.rkt(["api-service", "extra"]);
    expect(extra.code).toBe(254);
    // rkt api-service --help is rkt's.
    const help = await sb.rkt(["api-service", "--help"]);
    expect(help.stdout).toMatch(/--listen=string\s+address to listen for client API requests/);
  });
});
