// rkt metadata-service end to end: the real service on rkt's socket and port, pods started
// with `rkt run --mds-register` asking it from inside (busybox wget) as apps would, appc's
// ACE validator pod, a pod trying another's token, the pod's end unregistering it, and bad
// requests on both sides. The service owns /run/rkt/metadata-svc.sock and port 18112, so
// every test of it is in this file (files run in parallel).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { RUN, startPod } from "./helpers/net.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { RKT, run, Sandbox, waitUntil } from "./helpers/rkt.js";
import { goBuild, hasRktGo, RKT_SRC, rktTree } from "./helpers/rkt-go.js";
import { rktArgs, startService, type Service } from "./helpers/services.js";

const SOCKET = "/run/rkt/metadata-svc.sock";
const PORT = 18112;

interface Reply {
  status: number;
  type?: string;
  body: string;
}

/** One HTTP request to the service (TCP from the host, or its unix socket). */
function http(method: string, path: string, opts: { body?: string | Buffer; socket?: boolean; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ ...(opts.socket ? { socketPath: SOCKET } : { host: "127.0.0.1", port: PORT }), method, path, headers: opts.headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The token in an AC_METADATA_URL. */
const tokenOf = (url: string): string => new URL(url).pathname.slice(1);

describe("rkt metadata-service", () => {
  const sb = new Sandbox("mds");
  let img: string;
  let svc: Service;

  beforeAll(async () => {
    if (existsSync(SOCKET)) {
      const inUse = await new Promise<boolean>((r) => connect(SOCKET, () => r(true)).on("error", () => r(false)));
      if (inUse) throw new Error(`a metadata service already runs on ${SOCKET} (another test run?): this file needs it for itself`);
    }
    img = buildAci(sb.path("mds.aci"), {
      name: "example.com/mds-test",
      version: "1.0",
      annotations: [
        { name: "example.com/from-image", value: "image" },
        { name: "example.com/both", value: "image" },
      ],
      app: { exec: ["/bin/sh", "-c", "true"], user: "0", group: "0" },
    });
    svc = await startService(sb, ["metadata-service"], { ready: /metadata service running\.\.\./ });
  });
  afterAll(async () => {
    if (svc) expect((await svc.stop()).code).toBe(0);
    await cleanupPods(sb);
    sb.cleanup();
  });

  const inPod = async (script: string, flags: string[] = [], appFlags: string[] = []): Promise<{ uuid: string; stdout: string; code: number | null; stderr: string }> => {
    const uuidFile = sb.path(`uuid-${Math.random().toString(36).slice(2)}`);
    const r = await sb.rkt([...RUN, "--mds-register", `--uuid-file-save=${uuidFile}`, ...flags, img, ...appFlags, ...sh(script)]);
    return { uuid: existsSync(uuidFile) ? readFileSync(uuidFile, "utf8") : "", stdout: r.stdout, code: r.code, stderr: r.stderr };
  };

  test("starts as rkt's: the registration socket for root alone, then the apps' port", () => {
    expect(svc.stderr()).toBe("metadata-service: metadata service starting...\nmetadata-service: metadata service running...\n");
    const st = statSync(SOCKET);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(0);
  });

  test("an app reads its pod's UUID, annotations and manifest, its own image and annotations, at AC_METADATA_URL", async () => {
    const r = await inPod(
      [
        'u="$AC_METADATA_URL/acMetadata/v1"',
        'echo "url=$AC_METADATA_URL"',
        'echo "uuid=$(wget -qO- $u/pod/uuid)"',
        'echo "annotations=$(wget -qO- $u/pod/annotations)"',
        'echo "mutable=$(wget -qO- $u/pod/annotations/coreos.com/rkt/stage1/mutable)"',
        'wget -qO- $u/pod/manifest > /tmp/pod; echo "manifest=$(md5sum < /tmp/pod)"',
        'echo "id=$(wget -qO- $u/apps/$AC_APP_NAME/image/id)"',
        'echo "app-annotations=$(wget -qO- $u/apps/$AC_APP_NAME/annotations)"',
        'echo "both=$(wget -qO- $u/apps/$AC_APP_NAME/annotations/example.com/both)"',
        'wget -qO- $u/apps/$AC_APP_NAME/image/manifest > /tmp/im; echo "image-manifest=$(md5sum < /tmp/im)"',
        'wget -qO- $u/apps/nope/image/id 2>&1 | grep -o "404 Not Found"',
        'wget -qO- $u/pod/annotations/nope.example 2>&1 | grep -o "404 Not Found"',
      ].join("; "),
      [],
      ["--annotation=example.com/both=app", "--annotation=example.com/from-app=app"],
    );
    expect(r.code, r.stderr).toBe(0);
    const out = Object.fromEntries(r.stdout.trim().split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    // The pod reaches the service at its gateway (the host's end of the default network).
    expect(out.url).toMatch(/^http:\/\/172\.16\.28\.1:18112\/[0-9a-f]{64}$/);
    expect(out.uuid).toBe(r.uuid);
    const podFile = readFileSync(sb.path("data/pods/run", r.uuid, "pod"));
    const manifest = JSON.parse(podFile.toString());
    expect(JSON.parse(out.annotations!)).toEqual(manifest.annotations);
    expect(out.mutable).toBe("false");
    expect(out.manifest).toBe(`${execFileSync("md5sum", { input: podFile }).toString().split(" ")[0]}  -`);
    expect(out.id).toBe(manifest.apps[0].image.id);
    expect(JSON.parse(out["app-annotations"]!)).toEqual([
      { name: "example.com/from-image", value: "image" },
      { name: "example.com/both", value: "app" },
      { name: "example.com/from-app", value: "app" },
    ]);
    expect(out.both).toBe("app");
    const imageManifest = readFileSync(sb.path("data/pods/run", r.uuid, "appsinfo/mds-test/manifest"));
    expect(out["image-manifest"]).toBe(`${execFileSync("md5sum", { input: imageManifest }).toString().split(" ")[0]}  -`);
    expect(r.stdout.match(/404 Not Found/g)).toHaveLength(2);
  });

  test("sign and verify: the pod's identity checks out from anywhere; another content, UUID or signature does not", async () => {
    const r = await inPod('wget -qO- --post-data="content=hello%20world" "$AC_METADATA_URL/acMetadata/v1/pod/hmac/sign"');
    expect(r.code, r.stderr).toBe(0);
    const sig = r.stdout.trim();
    expect(Buffer.from(sig, "base64")).toHaveLength(64);
    const verify = (form: Record<string, string>) =>
      http("POST", "/whoever/acMetadata/v1/pod/hmac/verify", { body: new URLSearchParams(form).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
    const ok = await verify({ uuid: r.uuid, content: "hello world", signature: sig });
    expect(ok).toMatchObject({ status: 200, type: "text/plain; charset=us-ascii" });
    expect((await verify({ uuid: r.uuid, content: "hello World", signature: sig })).status).toBe(403);
    expect((await verify({ uuid: "00000000-0000-0000-0000-000000000000", content: "hello world", signature: sig })).status).toBe(403);
    expect((await verify({ uuid: r.uuid, content: "hello world", signature: Buffer.alloc(64).toString("base64") })).status).toBe(403);
    expect((await verify({ uuid: r.uuid, content: "hello world", signature: "not base64!" })).status).toBe(400);
    expect((await verify({ uuid: "nope", content: "x", signature: sig })).status).toBe(400);
    expect((await verify({ uuid: r.uuid, signature: sig })).status).toBe(400);
  });

  test("a pod that uses another pod's token, or a guessed one, gets 403; so does the host with the pod's token", async () => {
    const a = await startPod(sb, ["--mds-register", img, ...sh("echo $AC_METADATA_URL > /tmp/url; sleep 600")]);
    try {
      const envA = readFileSync(sb.path("data/pods/run", a.uuid, "stage1/rootfs/rkt/env/mds-test"), "utf8");
      const urlA = /^AC_METADATA_URL=(.*)$/m.exec(envA)![1]!;
      const b = await inPod(
        `for t in ${tokenOf(urlA)} ${"0".repeat(64)} x; do wget -qO- "http://172.16.28.1:18112/$t/acMetadata/v1/pod/uuid" 2>&1 | grep -o "403 Forbidden" || echo served; done; wget -qO- "$AC_METADATA_URL/acMetadata/v1/pod/uuid"`,
      );
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout).toBe(`403 Forbidden\n403 Forbidden\n403 Forbidden\n${b.uuid}`);
      // From the host (127.0.0.1, not the pod's address): forbidden too.
      expect(await http("GET", `/${tokenOf(urlA)}/acMetadata/v1/pod/uuid`)).toMatchObject({ status: 403, body: "forbidden\n" });
      // The pod itself is served.
      const own = await sb.rkt(["enter", a.uuid, "/bin/sh", "-c", 'wget -qO- "$(cat /tmp/url)/acMetadata/v1/pod/uuid"']);
      expect(own.stdout).toBe(a.uuid);
    } finally {
      await sb.rkt(["stop", "--force", a.uuid]);
      await a.done;
    }
  });

  test("a pod is unregistered when it ends (before any gc); gc of a registered pod is quiet", async () => {
    const logBefore = svc.stderr().length;
    const r = await inPod("echo $AC_METADATA_URL");
    expect(r.code).toBe(0);
    expect(existsSync(sb.path("data/pods/run", r.uuid, "mds-registered"))).toBe(true);
    await waitUntil(() => svc.stderr().slice(logBefore).includes(`pod ${r.uuid} ended: unregistered`), 10_000, "the pod's unregistration");
    const sock = await http("DELETE", `/pods/${r.uuid}`, { socket: true });
    expect(sock.status).toBe(404);
    const gc = await sb.rkt(["gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expect(gc.stderr).not.toMatch(/metadata/);
  });

  test("--net=host and the fly flavor: the service at 127.0.0.1", async () => {
    for (const flags of [["--net=host"], ["--stage1-name=fly"]]) {
      const r = await inPod('echo $AC_METADATA_URL; wget -qO- "$AC_METADATA_URL/acMetadata/v1/pod/uuid"', flags);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:18112/[0-9a-f]{64}\\n${r.uuid}$`));
    }
  });

  test("--mds-register with --net=none, or without a service: one message, exit 254, no pod left", async () => {
    const none = await sb.rkt([...RUN, "--mds-register", "--net=none", img]);
    expect(none.code).toBe(254);
    expect(none.stderr).toMatch(/--mds-register flag does not work with --net=none/);
    const podIds = async (): Promise<string> => (await sb.rkt(["list", "--no-legend", "--full"])).stdout.split("\n").map((l) => l.split("\t")[0]).join(" ");
    const pods = await podIds();
    const stopped = await svc.stop();
    expect(stopped.code).toBe(0);
    expect(existsSync(SOCKET)).toBe(false);
    try {
      const down = await sb.rkt([...RUN, "--mds-register", img]);
      expect(down.code).toBe(254);
      expect(down.stderr).toMatch(/could not reach the metadata service/);
      expect(await podIds()).toBe(pods);
      const prepared = (await sb.rkt(["--insecure-options=image", "prepare", "--quiet", img])).stdout.trim();
      const rp = await sb.rkt(["run-prepared", "--mds-register", prepared]);
      expect(rp.code).toBe(254);
      expect(rp.stderr).toMatch(/could not reach the metadata service/);
      expect((await sb.rkt(["status", prepared])).stdout).toMatch(/^state=prepared$/m);
    } finally {
      svc = await startService(sb, ["metadata-service"], { ready: /metadata service running\.\.\./ });
    }
  });

  test("registration: bad paths, methods, UUIDs, tokens and bodies are refused, one by one", async () => {
    const uuid = "6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b";
    const token = "a".repeat(64);
    const manifest = JSON.stringify({ acKind: "PodManifest", acVersion: "1.30.0", apps: [{ name: "web", image: { id: "sha512-1" } }] });
    const cases: [string, string, string | undefined, number][] = [
      ["GET", `/pods/${uuid}?token=${token}`, undefined, 405],
      ["PUT", "/", manifest, 404],
      ["PUT", "/pods", manifest, 404],
      ["PUT", `/pods/${uuid}/web/x`, "{}", 404],
      ["PUT", `/pods/not-a-uuid?token=${token}`, manifest, 400],
      ["PUT", `/pods/${uuid}`, manifest, 400],
      ["PUT", `/pods/${uuid}?token=short`, manifest, 400],
      ["PUT", `/pods/${uuid}?token=${"%2F".repeat(40)}`, manifest, 400],
      ["PUT", `/pods/${uuid}?token=${token}&ip=1.2.3`, manifest, 400],
      ["PUT", `/pods/${uuid}?token=${token}&pid=999999999`, manifest, 400],
      ["PUT", `/pods/${uuid}?token=${token}`, "{not json", 400],
      ["PUT", `/pods/${uuid}?token=${token}`, JSON.stringify({ apps: [{ name: "../x", image: {} }] }), 400],
      ["PUT", `/pods/${uuid}?token=${token}`, "[]", 400],
      ["PUT", `/pods/${uuid}/web`, "{}", 404],
      ["DELETE", `/pods/${uuid}`, undefined, 404],
      ["PUT", `/pods/%zz`, manifest, 400],
    ];
    for (const [method, path, body, status] of cases) expect((await http(method, path, { body, socket: true })).status, `${method} ${path}`).toBe(status);
    const big = await http("PUT", `/pods/${uuid}?token=${token}`, { body: Buffer.alloc((4 << 20) + 1, 32), socket: true }).catch(() => ({ status: 413 }));
    expect(big.status).toBe(413);
    // A good registration, an app that is not in it, then the app; then gone.
    expect((await http("PUT", `/pods/${uuid}?token=${token}&ip=10.9.9.9`, { body: manifest, socket: true })).status).toBe(200);
    expect((await http("PUT", `/pods/${uuid}/db`, { body: "{}", socket: true })).status).toBe(404);
    expect((await http("PUT", `/pods/${uuid}/web`, { body: "{nope", socket: true })).status).toBe(400);
    expect((await http("PUT", `/pods/${uuid}/web`, { body: "{}", socket: true })).status).toBe(200);
    expect((await http("DELETE", `/pods/${uuid}`, { socket: true })).status).toBe(200);
  });

  test("the apps' side: bad paths, methods and tokens; the service goes on", async () => {
    const cases: [string, string, number][] = [
      ["GET", "/", 404],
      ["GET", "/x", 404],
      ["GET", "/t/acMetadata/v2/pod/uuid", 404],
      ["GET", `/${"0".repeat(64)}/acMetadata/v1/pod/uuid`, 403],
      ["GET", `/${"0".repeat(64)}/acMetadata/v1/apps/x/image/id`, 403],
      ["GET", "/%zz/acMetadata/v1/pod/uuid", 400],
      ["DELETE", `/${"0".repeat(64)}/acMetadata/v1/pod/uuid`, 405],
      ["GET", `/${"0".repeat(64)}/acMetadata/v1/pod/hmac/sign`, 405],
      ["POST", `/${"0".repeat(64)}/acMetadata/v1/pod/hmac/sign`, 403],
      ["POST", `/${"0".repeat(64)}/acMetadata/v1/pod/manifest`, 405],
      ["GET", `/../../etc/passwd`, 404],
      ["GET", `/${"x".repeat(6000)}/acMetadata/v1/pod/uuid`, 403],
    ];
    for (const [method, path, status] of cases) expect((await http(method, path)).status, `${method} ${path.slice(0, 80)}`).toBe(status);
    // Raw garbage, a header too large, a slow client.
    for (const raw of [Buffer.from("\x00\xff garbage\r\n\r\n"), Buffer.from(`GET / HTTP/1.1\r\nX: ${"a".repeat(20_000)}\r\n\r\n`), Buffer.from("GET /")]) {
      await new Promise<void>((resolve) => {
        const c = connect(PORT, "127.0.0.1", () => c.write(raw));
        c.on("data", () => c.destroy());
        c.on("close", () => resolve());
        c.on("error", () => resolve());
        setTimeout(() => (c.destroy(), resolve()), 1000);
      });
    }
    const big = await http("POST", `/${"0".repeat(64)}/acMetadata/v1/pod/hmac/verify`, { body: Buffer.alloc(100_000, 97), headers: { "content-type": "application/x-www-form-urlencoded" } }).catch(() => ({ status: 413 }));
    expect(big.status).toBe(413);
    expect(svc.exited()).toBe(false);
    expect((await http("GET", `/${"0".repeat(64)}/acMetadata/v1/pod/uuid`)).status).toBe(403);
  });

  test("socket activation: the registration socket systemd passes; the TCP port as usual", async () => {
    expect((await svc.stop()).code).toBe(0);
    const activated = startService(sb, [], {
      command: { file: "systemd-socket-activate", args: ["-l", SOCKET, RKT, ...rktArgs(sb, ["metadata-service"])] },
      ready: /metadata service running\.\.\./,
    });
    try {
      // The first connection starts the service.
      await waitUntil(() => existsSync(SOCKET), 10_000, "the activation socket");
      expect((await http("DELETE", "/pods/6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b", { socket: true })).status).toBe(404);
      const s = await activated;
      const r = await inPod('wget -qO- "$AC_METADATA_URL/acMetadata/v1/pod/uuid"');
      expect(r.stdout).toBe(r.uuid);
      expect((await s.stop()).code).toBe(0);
    } finally {
      await (await activated.catch(() => undefined))?.stop("SIGKILL");
      svc = await startService(sb, ["metadata-service"], { ready: /metadata service running\.\.\./ });
    }
  });

  test.skipIf(!hasRktGo)("appc's ACE validator: prestart, main, sidekick (and poststop) OK", async () => {
    const gopath = sb.path("gopath");
    const tree = rktTree(gopath, ["vendor"]);
    const ace = goBuild(gopath, tree, sb.path("ace-validator"), "./vendor/github.com/appc/spec/ace");
    const images = ["main", "sidekick"].map((kind) => {
      const template = execFileSync("git", [`--git-dir=${RKT_SRC}`, "show", `HEAD:vendor/github.com/appc/spec/ace/image_manifest_${kind}.json.in`]).toString();
      return buildAci(sb.path(`ace-${kind}.aci`), {
        name: `coreos.com/ace-validator-${kind}`,
        busybox: false,
        rawManifest: template.replace("@ACI_OS@", "linux").replace("@ACI_ARCH@", "amd64"),
        files: { "ace-validator": { copyFrom: ace, mode: 0o755 }, "opt/acvalidator": { dir: true } },
      });
    });
    const r = await sb.rkt(["--insecure-options=image", "run", "--mds-register", "--volume", "database,kind=empty", ...images]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(["main OK", "poststop OK", "prestart OK", "sidekick OK"]);
    expect(r.stderr).not.toMatch(/FAIL|==>/);
  });
});
