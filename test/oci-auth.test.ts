// Registry authentication and transport security, end to end against docker-registry:
// htpasswd (basic auth), token auth (a Bearer challenge answered by a token service),
// credentials from auth.d (dockerAuth), TLS verification and --insecure-options=tls|http.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Layout, layerFromEntries, push } from "./fixtures/oci.js";
import { Sandbox } from "./helpers/rkt.js";
import { Registry } from "./helpers/registry.js";
import { TestCA } from "./helpers/servers.js";

function smallLayout(dir: string): Layout {
  const layout = new Layout(dir);
  const m = layout.image({ layers: [layerFromEntries([{ path: "hello", content: "hi" }])], config: { Cmd: ["/hello"] } });
  layout.tag("img", m);
  return layout;
}

function writeDockerAuth(sb: Sandbox, registry: string, user: string, password: string): void {
  const dir = join(sb.localConfig, "auth.d");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "docker.json"),
    JSON.stringify({ rktKind: "dockerAuth", rktVersion: "v1", registries: [registry], credentials: { user, password } }),
  );
}

describe("htpasswd (basic auth)", () => {
  let sb!: Sandbox;
  beforeAll(() => {
    sb = new Sandbox("oci-basic");
  });
  let reg: Registry;

  beforeAll(async () => {
    reg = await Registry.start({ htpasswd: { user: "alice", password: "s3cret" } });
    await push(smallLayout(sb.path("layout")).dir, "img", `${reg.host}/private:1`, { creds: "alice:s3cret" });
  });
  afterAll(async () => {
    await reg?.stop();
    sb?.cleanup();
  });

  test("without credentials: 254 and what to configure", async () => {
    const r = await sb.rkt(["--insecure-options=image,http", "fetch", `docker://${reg.host}/private:1`]);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe(`fetch: registry ${reg.host} requires authentication for private: add a dockerAuth entry for ${reg.host} in auth.d\n`);
  });

  test("wrong credentials: refused, naming the user", async () => {
    writeDockerAuth(sb, reg.host, "alice", "wrong");
    const r = await sb.rkt(["--insecure-options=image,http", "fetch", `docker://${reg.host}/private:1`]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/refused the credentials of "alice"/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("dockerAuth credentials from auth.d", async () => {
    writeDockerAuth(sb, reg.host, "alice", "s3cret");
    const r = await sb.rkt(["--insecure-options=image,http", "fetch", `docker://${reg.host}/private:1`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sha256-[0-9a-f]{32}\n$/);
  });
});

describe("token auth (Bearer challenge)", () => {
  let sb!: Sandbox;
  beforeAll(() => {
    sb = new Sandbox("oci-token");
  });
  let reg: Registry;

  beforeAll(async () => {
    reg = await Registry.start({ token: { user: "bob", password: "t0ken" } });
    await push(smallLayout(sb.path("layout")).dir, "img", `${reg.host}/team/app:2`, { creds: "bob:t0ken" });
  });
  afterAll(async () => {
    await reg?.stop();
    sb?.cleanup();
  });

  test("without credentials the token service says no", async () => {
    const r = await sb.rkt(["--insecure-options=image,http", "fetch", `docker://${reg.host}/team/app:2`]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/the token service .* requires credentials \(add a dockerAuth entry for 127\.0\.0\.1:\d+ in auth\.d\)/);
  });

  test("with dockerAuth credentials: a token for repository:team/app:pull, then the image", async () => {
    writeDockerAuth(sb, reg.host, "bob", "t0ken");
    const before = reg.tokenRequests.length;
    const r = await sb.rkt(["--insecure-options=image,http", "fetch", `docker://${reg.host}/team/app:2`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(reg.tokenRequests.slice(before)).toEqual(["repository:team/app:pull"]);
  });
});

describe("TLS", () => {
  let sb!: Sandbox;
  beforeAll(() => {
    sb = new Sandbox("oci-tls");
    ca = new TestCA();
  });
  let ca!: TestCA;
  let reg: Registry;

  beforeAll(async () => {
    reg = await Registry.start({ tls: ca.issue(["127.0.0.1"]) });
    await push(smallLayout(sb.path("layout")).dir, "img", `${reg.host}/secure:1`);
  });
  afterAll(async () => {
    await reg?.stop();
    ca?.cleanup();
    sb?.cleanup();
  });

  test("an untrusted certificate: 254 with the hint", async () => {
    const r = await sb.rkt(["--insecure-options=image", "fetch", `docker://${reg.host}/secure:1`]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/TLS certificate is not trusted .*; to skip TLS verification, use --insecure-options=tls/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("--insecure-options=tls fetches, with rkt's warning", async () => {
    const r = await sb.rkt(["--insecure-options=image,tls", "fetch", `docker://${reg.host}/secure:1`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("image: warning: TLS verification has been disabled\n");
  });

  test("a certificate from a CA the system trusts (SSL_CERT_FILE) needs no option", async () => {
    const r = await sb.rkt(["--insecure-options=image", "fetch", "--pull-policy=update", `docker://${reg.host}/secure:1`], {
      env: { SSL_CERT_FILE: ca.certFile },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
