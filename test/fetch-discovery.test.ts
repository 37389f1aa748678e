// Fetching images by name with appc discovery from servers on loopback port 443 (and 80),
// each test file on a loopback address of its own that also serves as the image names' host.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { GpgHome, type TestKey } from "./helpers/gpg.js";
import { Sandbox } from "./helpers/rkt.js";
import { discoveryPage, loopbackAddress, TestCA, TestServer } from "./helpers/servers.js";

describe("appc discovery", () => {
  let sb: Sandbox;
  let gpg: GpgHome;
  let key: TestKey;
  let ca: TestCA;
  let host: string;
  let plainHost: string;
  let site: TestServer;
  let plain: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    sb = new Sandbox("fetch-discovery");
    gpg = new GpgHome();
    key = gpg.genKey("Discovery Signer <disco@example.com>");
    ca = new TestCA();
    host = loopbackAddress();
    plainHost = loopbackAddress();
    site = await TestServer.start({ tls: ca.issue([host]), host, port: 443 });
    plain = await TestServer.start({ host: plainHost, port: 80 });
    env = { SSL_CERT_FILE: ca.certFile };

    // One page at the host's root covers every name under it (discovery walks up).
    site.routes.set("/", {
      contentType: "text/html",
      body: discoveryPage([
        { name: "ac-discovery", content: `${host} https://${host}/aci/{name}-{version}-{os}-{arch}.{ext}` },
        { name: "ac-discovery-pubkeys", content: `${host} https://${host}/pubkeys.gpg` },
      ]),
    });
    site.routes.set("/pubkeys.gpg", { file: key.publicKey });
    const serve = (server: TestServer, path: string, file: string) => {
      gpg.sign(key, file);
      server.routes.set(path, { file });
      server.routes.set(`${path}.asc`, { file: `${file}.asc` });
    };
    serve(site, `/aci/${host}/app-1.0-linux-amd64.aci`, buildAci(sb.path("app-1.0.aci"), { name: `${host}/app`, version: "1.0" }));
    serve(site, `/aci/${host}/app-latest-linux-amd64.aci`, buildAci(sb.path("app-2.0.aci"), { name: `${host}/app`, version: "2.0" }));
    serve(site, `/aci/${host}/wrong-1.0-linux-amd64.aci`, buildAci(sb.path("wrong.aci"), { name: "example.com/signed1", version: "1.0" }));
    serve(site, `/aci/${host}/app-3.0-linux-amd64.aci`, buildAci(sb.path("app-3.0.aci"), { name: `${host}/app`, version: "1.2.0" }));

    plain.routes.set("/", {
      contentType: "text/html",
      body: discoveryPage([{ name: "ac-discovery", content: `${plainHost} http://${plainHost}/{name}.{ext}` }]),
    });
    serve(plain, `/${plainHost}/tool.aci`, buildAci(sb.path("tool.aci"), { name: `${plainHost}/tool` }));
  });
  afterAll(async () => {
    await site?.close();
    await plain?.close();
    ca?.cleanup();
    gpg?.cleanup();
    sb?.cleanup();
  });

  const resetKeys = () => rmSync(join(sb.localConfig, "trustedkeys"), { recursive: true, force: true });
  const rkt = (args: string[]) => sb.rkt(args, { env });

  test("rkt trust --prefix without a key finds it by discovery", async () => {
    const r = await rkt(["trust", "--skip-fingerprint-review", `--prefix=${host}/app`]);
    expect(r.code, r.stderr).toBe(0);
    const path = join(sb.localConfig, "trustedkeys/prefix.d", host, "app", key.fingerprint);
    expect(r.stdout).toContain(`Trusting "https://${host}/pubkeys.gpg" for prefix "${host}/app" without fingerprint review.\n`);
    expect(r.stdout).toContain(`Added key for prefix "${host}/app" at "${path}"\n`);
    expect(readFileSync(path)).toEqual(readFileSync(key.publicKey));
    expect(site.hits("/", 200).length).toBeGreaterThan(0);
    expect(site.hits("/app", 404).length).toBeGreaterThan(0);
  });

  test("a name with a version is discovered, downloaded and verified", async () => {
    const r = await rkt(["--debug", "fetch", `${host}/app:1.0`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`image: searching for app image ${host}/app`);
    expect(r.stderr).toContain(`image: remote fetching from URL "https://${host}/aci/${host}/app-1.0-linux-amd64.aci"`);
    expect(r.stderr).toContain("image: signature verified:\n  Discovery Signer <disco@example.com>\n");
    const list = await rkt(["image", "list", "--no-legend", "--fields=name"]);
    expect(list.stdout).toContain(`${host}/app:1.0`);
  });

  test("a name without a version asks for latest", async () => {
    const r = await rkt(["fetch", `${host}/app`]);
    expect(r.code, r.stderr).toBe(0);
    expect(site.hits(`/aci/${host}/app-latest-linux-amd64.aci`, 200)).toHaveLength(1);
    const manifest = await rkt(["image", "cat-manifest", r.stdout.trim()]);
    expect(manifest.stdout).toContain('"2.0"');
  });

  test("a name already fetched is taken from the store (pull policy new)", async () => {
    const asked = site.log.length;
    const r = await rkt(["--debug", "fetch", "--pull-policy=new", `${host}/app:1.0`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`image: using image from local store for image name ${host}/app:1.0`);
    expect(site.log.length).toBe(asked);
  });

  test("the image must be the one asked for: name and labels", async () => {
    expect((await rkt(["trust", "--skip-fingerprint-review", `--prefix=${host}`, key.publicKey])).code).toBe(0);
    const wrong = await rkt(["fetch", `${host}/wrong:1.0`]);
    expect(wrong.code).toBe(254);
    expect(wrong.stderr).toContain(`fetch: error when reading the app name: "${host}/wrong" expected but "example.com/signed1" found`);
    const label = await rkt(["fetch", `${host}/app:3.0`]);
    expect(label.code).toBe(254);
    expect(label.stderr).toContain('fetch: requested value for label "version": "3.0" differs from fetched aci label value: "1.2.0"');
  });

  test("with --insecure-options=image the name is not verified either: a mismatch is reported, as rkt", async () => {
    const r = await rkt(["--insecure-options=image", "fetch", `${host}/wrong:1.0`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `image: warning: error when reading the app name: "${host}/wrong" expected but "example.com/signed1" found (not refused: image verification is disabled)`,
    );
  });

  test("dependencies that are not in the store are discovered and fetched, breadth first, then rendered with the image", async () => {
    const serveAci = (path: string, file: string) => {
      gpg.sign(key, file);
      site.routes.set(path, { file });
      site.routes.set(`${path}.asc`, { file: `${file}.asc` });
    };
    const base = buildAci(sb.path("dep-base.aci"), { name: `${host}/dep-base`, version: "latest", files: { "base-file": "from base\n" } });
    const lib = buildAci(sb.path("dep-lib.aci"), { name: `${host}/dep-lib`, version: "2", files: { "lib-file": "from lib\n" }, dependencies: [{ imageName: `${host}/dep-base` }] });
    const top = buildAci(sb.path("dep-top.aci"), {
      name: `${host}/dep-top`,
      version: "1.0",
      app: { exec: ["/bin/sh", "-c", "cat /base-file /lib-file"], user: "0", group: "0" },
      dependencies: [{ imageName: `${host}/dep-lib`, labels: [{ name: "version", value: "2" }] }, { imageName: `${host}/dep-base` }],
    });
    serveAci(`/aci/${host}/dep-base-latest-linux-amd64.aci`, base);
    serveAci(`/aci/${host}/dep-lib-2-linux-amd64.aci`, lib);
    serveAci(`/aci/${host}/dep-top-1.0-linux-amd64.aci`, top);
    const r = await rkt(["--debug", "fetch", `${host}/dep-top:1.0`]);
    expect(r.code, r.stderr).toBe(0);
    const fetched = [...r.stderr.matchAll(/image: fetching image from https:\/\/[^/]+\/aci\/[^/]+\/(dep-[a-z]+)-/g)].map((m) => m[1]);
    expect(fetched).toEqual(["dep-top", "dep-lib", "dep-base"]);
    // dep-base was asked for twice (by dep-top and dep-lib): fetched once.
    expect(site.hits(`/aci/${host}/dep-base-latest-linux-amd64.aci`, 200)).toHaveLength(1);
    const run = await rkt(["run", "--stage1-name=fly", `${host}/dep-top:1.0`]);
    expect(run.stdout, run.stderr).toBe("from base\nfrom lib\n");
  });

  test("plain HTTP discovery needs --insecure-options=http", async () => {
    const refused = await rkt(["fetch", `${plainHost}/tool`]);
    expect(refused.code).toBe(254);
    expect(refused.stderr).toMatch(new RegExp(`^fetch: discovery failed for "${plainHost.replace(/\./g, "\\.")}/tool": .*plain HTTP needs --insecure-options=http\\)\\n$`));
    expect(plain.log).toHaveLength(0);
    await rkt(["trust", "--skip-fingerprint-review", `--prefix=${plainHost}`, key.publicKey]);
    const allowed = await rkt(["--insecure-options=http", "fetch", `${plainHost}/tool`]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain("image: signature verified:");
  });

  test("rkt trust takes http:// keys only with --insecure-allow-http", async () => {
    plain.routes.set("/key.asc", { file: key.publicKey });
    const refused = await rkt(["trust", "--skip-fingerprint-review", "--prefix=example.org/http", plain.url("/key.asc")]);
    expect(refused.code).toBe(254);
    expect(refused.stderr).toBe(`trust: error adding keys: error accessing the key ${plain.url("/key.asc")}: --insecure-allow-http required for http URLs\n`);
    const allowed = await rkt(["trust", "--skip-fingerprint-review", "--insecure-allow-http", "--prefix=example.org/http", plain.url("/key.asc")]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('Added key for prefix "example.org/http"');
  });

  test("without a trusted key and a terminal, the discovered key is not trusted", async () => {
    resetKeys();
    const r = await rkt(["fetch", `${host}/app:1.0`]);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain(`pubkey: To trust the key for "${host}/app", do one of the following:`);
    expect(r.stderr).toContain("pubkey:  - call rkt with --trust-keys-from-https");
    expect(r.stderr).toMatch(/fetch: openpgp: signature made by unknown entity/);
  });

  test("--trust-keys-from-https trusts the key the name's site publishes", async () => {
    resetKeys();
    const r = await rkt(["--trust-keys-from-https", "fetch", `${host}/app:1.0`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Trusting "https://${host}/pubkeys.gpg" for prefix "${host}/app" without fingerprint review.`);
    expect(r.stderr).toContain("image: signature verified:");
    expect(r.stdout).toMatch(/^sha512-[0-9a-f]{32}\n$/);
    const again = await rkt(["fetch", `${host}/app:1.0`]);
    expect(again.stderr).toContain(`image: keys already exist for prefix "${host}/app", not fetching again`);
  });
});
