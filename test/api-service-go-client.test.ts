// rkt's own Go client of the API service (api/v1alpha/client_example.go in rkt's source),
// built with Debian's Go in GOPATH mode against rkt's vendor/ directory, run against our
// service. The example dials localhost:15441, rkt's default: service and client run in a
// network namespace of the test's own, so the port is theirs alone. Skipped without `go`
// or without rkt's source (RKT_SRC: a git directory of rkt, as the rkt suite harness takes).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { startPod, type BackgroundPod } from "./helpers/net.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { RKT, run, Sandbox } from "./helpers/rkt.js";
import { goBuild, hasRktGo, rktTree } from "./helpers/rkt-go.js";
import { rktArgs, startService, type Service } from "./helpers/services.js";

describe.skipIf(!hasRktGo)("rkt's Go client example against rkt api-service", () => {
  const sb = new Sandbox("api-go");
  const netns = `rkt-test-goapi-${process.pid}`;
  let client: string;
  let svc: Service | undefined;
  let pod: BackgroundPod | undefined;

  beforeAll(async () => {
    // rkt's api package and vendor tree in a GOPATH.
    const gopath = sb.path("gopath");
    const tree = rktTree(gopath, ["api/v1alpha", "vendor"]);
    client = goBuild(gopath, join(tree, "api/v1alpha"), sb.path("client-example"), "client_example.go");
    execFileSync("ip", ["netns", "add", netns]);
    execFileSync("ip", ["netns", "exec", netns, "ip", "link", "set", "lo", "up"]);
  }, 600_000);
  afterAll(async () => {
    await svc?.stop();
    if (pod) {
      await sb.rkt(["stop", "--force", pod.uuid]);
      await pod.done;
    }
    await cleanupPods(sb);
    execFileSync("ip", ["netns", "delete", netns], { stdio: "ignore" });
    sb.cleanup();
  });

  test("lists the running pod (its logs: not recorded) and the images named coreos.com/...", async () => {
    const img = buildAci(sb.path("go.aci"), { name: "coreos.com/rkt-ts-api-example", version: "1", app: { exec: ["/bin/sh", "-c", "sleep 600"], user: "0", group: "0" } });
    pod = await startPod(sb, [img, ...sh("sleep 600")]);
    svc = await startService(sb, [], { command: { file: "ip", args: ["netns", "exec", netns, RKT, ...rktArgs(sb, ["api-service"])] }, ready: /API service running/ });
    expect(svc.stderr()).toMatch(/Listening on localhost:15441/);
    const r = await run("ip", ["netns", "exec", netns, client]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `Pod "${pod.uuid}" is running.\n` +
        // rkt's vendored gRPC prints codes as numbers: 9 is FAILED_PRECONDITION.
        `rpc error: code = 9 desc = logs are not recorded for pod ${pod.uuid}: this rkt keeps no record of the apps' output yet (rkt read it from the pod's journal)\n` +
        `Found image "coreos.com/rkt-ts-api-example"\n`,
    );
  });
});
