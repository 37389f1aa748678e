// Fetching ACIs over HTTP and HTTPS from servers on loopback: signatures beside the image,
// TLS against a CA made for the test, ETag and Cache-Control caching, redirects, auth.d
// credentials and deferred signatures.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { GpgHome, type TestKey } from "./helpers/gpg.js";
import { Sandbox } from "./helpers/rkt.js";
import { TestCA, TestServer } from "./helpers/servers.js";

describe("fetching from URLs", () => {
  let sb: Sandbox;
  let gpg: GpgHome;
  let key: TestKey;
  let ca: TestCA;
  let https: TestServer;
  let http: TestServer;
  let env: Record<string, string>;
  let app: string;
  let app2: string;

  beforeAll(async () => {
    sb = new Sandbox("fetch-remote");
    gpg = new GpgHome();
    key = gpg.genKey("Remote Signer <remote@example.com>");
    ca = new TestCA();
    https = await TestServer.start({ tls: ca.issue(["127.0.0.1", "localhost"]) });
    http = await TestServer.start();
    env = { SSL_CERT_FILE: ca.certFile };
    app = buildAci(sb.path("app.aci"), { name: "example.com/remote-app", version: "1.0" });
    app2 = buildAci(sb.path("app2.aci"), { name: "example.com/remote-app", version: "2.0" });
    gpg.sign(key, app);
    gpg.sign(key, app2);
    const r = await sb.rkt(["trust", "--skip-fingerprint-review", "--prefix=example.com", key.publicKey]);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await https?.close();
    await http?.close();
    ca?.cleanup();
    gpg?.cleanup();
    sb?.cleanup();
  });

  /** Serves `file` and its signature at `path` on a server. */
  const serve = (server: TestServer, path: string, file: string, extra: Record<string, unknown> = {}) => {
    server.routes.set(path, { file, ...extra });
    server.routes.set(`${path.replace(/\.aci$/, "")}.aci.asc`, { file: `${file}.asc` });
  };
  const fetch = (args: string[], e: Record<string, string> = env) => sb.rkt(["fetch", ...args], { env: e });

  test("an HTTPS image is verified against the signature beside it", async () => {
    serve(https, "/images/app.aci", app);
    const r = await fetch(["--debug", https.url("/images/app.aci")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sha512-[0-9a-f]{32}\n$/);
    expect(r.stderr).toContain(`image: remote fetching from URL "${https.url("/images/app.aci")}"`);
    expect(r.stderr).toContain("image: signature verified:\n  Remote Signer <remote@example.com>\n");
    expect(https.hits("/images/app.aci.asc", 200)).toHaveLength(1);
    expect(https.hits("/images/app.aci", 200)).toHaveLength(1);
    expect(https.hits("/images/app.aci")[0]!.headers["user-agent"]).toMatch(/^rkt\//);
  });

  test("a server whose CA is not in the store is refused, unless TLS checks are off", async () => {
    serve(https, "/images/tls.aci", app);
    const noCa = { SSL_CERT_FILE: join(ca.dir, "missing.pem") };
    const r = await fetch([https.url("/images/tls.aci")], noCa);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/TLS certificate check failed: .*--insecure-options=tls/);
    const insecure = await sb.rkt(["--insecure-options=tls", "fetch", https.url("/images/tls.aci")], { env: noCa });
    expect(insecure.code, insecure.stderr).toBe(0);
    expect(insecure.stderr).toContain("image: warning: TLS verification has been disabled\n");
    expect(insecure.stderr).toContain("image: signature verified:");
  });

  test("an image without a signature on the server is refused, unless verification is off", async () => {
    https.routes.set("/images/unsigned.aci", { file: app });
    const r = await fetch([https.url("/images/unsigned.aci")]);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain(`fetch: error downloading the signature file: ${https.url("/images/unsigned.aci.asc")}: bad HTTP status code: 404`);
    expect(r.stderr).toMatch(/--insecure-options=image/);
    expect(https.hits("/images/unsigned.aci")).toHaveLength(0);
    const insecure = await sb.rkt(["--insecure-options=image", "fetch", https.url("/images/unsigned.aci")], { env });
    expect(insecure.code, insecure.stderr).toBe(0);
  });

  test("a plain http:// image URL is fetched, as rkt 1.30 does, and still verified", async () => {
    serve(http, "/app.aci", app);
    const r = await fetch([http.url("/app.aci")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("image: signature verified:");
    const tampered = sb.path("tampered-http.aci");
    const bytes = readFileSync(app);
    bytes[bytes.length - 50] ^= 1;
    writeFileSync(tampered, bytes);
    http.routes.set("/bad.aci", { file: tampered });
    http.routes.set("/bad.aci.asc", { file: `${app}.asc` });
    const bad = await fetch([http.url("/bad.aci")]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/openpgp: invalid signature: hash tag doesn't match/);
  });

  test("an unchanged image is not downloaded twice (ETag), a changed one is", async () => {
    const file = sb.path("served-etag.aci");
    writeFileSync(file, readFileSync(app));
    writeFileSync(`${file}.asc`, readFileSync(`${app}.asc`));
    serve(https, "/etag/app.aci", file, { etag: '"v1"' });
    const first = await fetch([https.url("/etag/app.aci")]);
    expect(first.code, first.stderr).toBe(0);
    const second = await fetch([https.url("/etag/app.aci")]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(https.hits("/etag/app.aci", 200)).toHaveLength(1);
    expect(https.hits("/etag/app.aci", 304)).toHaveLength(1);
    expect(https.hits("/etag/app.aci", 304)[0]!.headers["if-none-match"]).toBe('"v1"');

    writeFileSync(file, readFileSync(app2));
    writeFileSync(`${file}.asc`, readFileSync(`${app2}.asc`));
    https.routes.get("/etag/app.aci")!.etag = '"v2"';
    const third = await fetch([https.url("/etag/app.aci")]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).not.toBe(first.stdout);
    expect(https.hits("/etag/app.aci", 200)).toHaveLength(2);
  });

  test("Cache-Control max-age: the server is not asked again while the copy is fresh", async () => {
    serve(https, "/fresh/app.aci", app, { maxAge: 3600, etag: '"f"' });
    expect((await fetch([https.url("/fresh/app.aci")])).code).toBe(0);
    const asked = https.log.length;
    const again = await fetch(["--debug", "--pull-policy=update", https.url("/fresh/app.aci")]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`image: image for ${https.url("/fresh/app.aci")} isn't expired, not fetching.`);
    expect(https.log.length).toBe(asked);
  });

  test("--pull-policy=new uses the stored copy; never needs one", async () => {
    const asked = https.log.length;
    const r = await fetch(["--debug", "--pull-policy=new", https.url("/images/app.aci")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`image: using image from local store for url ${https.url("/images/app.aci")}`);
    expect(https.log.length).toBe(asked);
    const never = await fetch(["--pull-policy=never", https.url("/images/never.aci")]);
    expect(never.code).toBe(254);
    expect(never.stderr).toMatch(/unable to fetch image from URL .*never\.aci: either image was not found in the store/);
  });

  test("redirects are followed", async () => {
    https.routes.set("/moved/app.aci", { redirect: "/images/app.aci" });
    https.routes.set("/moved/app.aci.asc", { redirect: https.url("/images/app.aci.asc") });
    const r = await fetch([https.url("/moved/app.aci")]);
    expect(r.code, r.stderr).toBe(0);
    expect(https.hits("/moved/app.aci", 302)).toHaveLength(1);
  });

  test("auth.d credentials are sent to their host: basic and oauth", async () => {
    const basic = `Basic ${Buffer.from("bob:s3cret").toString("base64")}`;
    serve(https, "/private/app.aci", app);
    https.routes.get("/private/app.aci")!.authorization = basic;
    https.routes.get("/private/app.aci.asc")!.authorization = basic;
    const denied = await fetch([https.url("/private/app.aci")]);
    expect(denied.code).toBe(254);
    expect(denied.stderr).toMatch(/bad HTTP status code: 401/);

    const authDir = join(sb.localConfig, "auth.d");
    mkdirSync(authDir, { recursive: true });
    writeFileSync(join(authDir, "test.json"), JSON.stringify({ rktKind: "auth", rktVersion: "v1", domains: [https.authority], type: "basic", credentials: { user: "bob", password: "s3cret" } }));
    const allowed = await fetch([https.url("/private/app.aci")]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(https.hits("/private/app.aci", 200)[0]!.headers.authorization).toBe(basic);

    serve(https, "/token/app.aci", app);
    https.routes.get("/token/app.aci")!.authorization = "Bearer t0ken";
    writeFileSync(join(authDir, "test.json"), JSON.stringify({ rktKind: "auth", rktVersion: "v1", domains: [https.authority], type: "oauth", credentials: { token: "t0ken" } }));
    const oauth = await fetch([https.url("/token/app.aci")]);
    expect(oauth.code, oauth.stderr).toBe(0);
    // Credentials are for HTTPS only: the plain HTTP server on the same host never sees them.
    writeFileSync(join(authDir, "test.json"), JSON.stringify({ rktKind: "auth", rktVersion: "v1", domains: [http.authority], type: "oauth", credentials: { token: "t0ken" } }));
    expect((await fetch(["--pull-policy=update", http.url("/app.aci")])).code).toBe(0);
    expect(http.log.every((l) => l.headers.authorization === undefined)).toBe(true);
  });

  test("a deferred signature (202) is fetched after the image", async () => {
    https.routes.set("/deferred/app.aci", { file: app2 });
    https.routes.set("/deferred/app.aci.asc", { file: `${app2}.asc`, deferUntil: "/deferred/app.aci" });
    const r = await fetch([https.url("/deferred/app.aci")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("image: server requested deferring the signature download\n");
    expect(r.stderr).toContain("image: signature verified:");
    expect(https.hits("/deferred/app.aci.asc", 202)).toHaveLength(1);
    expect(https.hits("/deferred/app.aci.asc", 200)).toHaveLength(1);
  });
});
