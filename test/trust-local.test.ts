// rkt trust and signature verification of local images, against keys and signatures made by
// real GnuPG (rkt's TestTrust and more: expired and revoked keys, tampering, masking).
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { GpgHome, type TestKey } from "./helpers/gpg.js";
import { run, RKT, Sandbox } from "./helpers/rkt.js";

const spaced = (fp: string): string =>
  fp
    .toUpperCase()
    .match(/.{4}/g)!
    .map((g, i) => (i === 5 ? ` ${g}` : g))
    .join(" ");

describe("trust and local images", () => {
  let sb: Sandbox;
  let gpg: GpgHome;
  let key1: TestKey;
  let key2: TestKey;
  let app: string;
  let other: string;

  beforeAll(() => {
    sb = new Sandbox("trust-local");
    gpg = new GpgHome();
    key1 = gpg.genKey("Key One (rkt test) <one@example.com>");
    key2 = gpg.genKey("Key Two <two@example.com>");
    app = buildAci(sb.path("app.aci"), { name: "rkt-prefix.com/my-app", version: "1.0" });
    other = buildAci(sb.path("other.aci"), { name: "rkt-alternative.com/my-app", version: "1.0" });
    gpg.sign(key1, app);
    gpg.sign(key1, other);
  });
  afterAll(() => {
    gpg.cleanup();
    sb.cleanup();
  });

  const trust = (args: string[]) => sb.rkt(["trust", "--skip-fingerprint-review", ...args]);
  const fetch = (img: string, ...extra: string[]) => sb.rkt(["fetch", ...extra, img]);
  const resetKeys = () => {
    for (const dir of [sb.localConfig, sb.systemConfig]) {
      rmSync(join(dir, "trustedkeys"), { recursive: true, force: true });
    }
  };

  test("an unsigned image is refused, saying how to sign it or skip verification", async () => {
    const unsigned = buildAci(sb.path("unsigned.aci"), { name: "rkt-prefix.com/unsigned" });
    const r = await fetch(unsigned);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain(`fetch: error opening signature file: open ${sb.path("unsigned.aci.asc")}: no such file or directory`);
    expect(r.stderr).toMatch(/--insecure-options=image/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
  });

  test("a signature by a key nobody trusted is an unknown entity", async () => {
    resetKeys();
    const r = await fetch(app);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/^fetch: openpgp: signature made by unknown entity: image "rkt-prefix.com\/my-app" \(.*app\.aci\) is signed with key ID [0-9A-F]{16}, which is not trusted for "rkt-prefix.com\/my-app"; if you trust that key, run: rkt trust --prefix "rkt-prefix.com\/my-app" KEYFILE\n$/);
  });

  test("rkt trust prints the key and stores it as rkt lays the keystore out", async () => {
    resetKeys();
    const r = await trust(["--prefix", "rkt-prefix.com/my-app", key1.publicKey]);
    expect(r.code, r.stderr).toBe(0);
    const path = join(sb.localConfig, "trustedkeys/prefix.d/rkt-prefix.com/my-app", key1.fingerprint);
    expect(r.stderr).toBe(`pubkey: prefix: "rkt-prefix.com/my-app"\nkey: "${key1.publicKey}"\n`);
    expect(r.stdout).toBe(
      `gpg key fingerprint is: ${spaced(key1.fingerprint)}\n` +
        `\tKey One (rkt test) <one@example.com>\n` +
        `Trusting "${key1.publicKey}" for prefix "rkt-prefix.com/my-app" without fingerprint review.\n` +
        `Added key for prefix "rkt-prefix.com/my-app" at "${path}"\n`,
    );
    expect(readFileSync(path)).toEqual(readFileSync(key1.publicKey));
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  test("the right key for the right prefix verifies the image, and only that image", async () => {
    const r = await fetch(app);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("image: signature verified:\n  Key One (rkt test) <one@example.com>\n");
    expect(r.stdout).toMatch(/^sha512-[0-9a-f]{32}\n$/);
    const o = await fetch(other);
    expect(o.code).toBe(254);
    expect(o.stderr).toMatch(/openpgp: signature made by unknown entity/);
  });

  test("a verified image runs", async () => {
    const r = await sb.rkt(["run", "--stage1-name=fly", app]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("hello\n");
  });

  test("a wrong prefix or a wrong key does not help", async () => {
    resetKeys();
    for (const prefix of ["foo.com", "example.com/my-app", "rkt-prefix.com/my-ap", "rkt-prefix.com/my-app/sub"]) {
      expect((await trust(["--prefix", prefix, key1.publicKey])).code).toBe(0);
    }
    expect((await trust(["--prefix", "rkt-prefix.com/my-app", key2.publicKey])).code).toBe(0);
    const r = await fetch(app);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/openpgp: signature made by unknown entity/);
  });

  test("a key trusted for a parent prefix verifies", async () => {
    resetKeys();
    expect((await trust(["--prefix", "rkt-prefix.com", key1.publicKey])).code).toBe(0);
    expect((await fetch(app)).code).toBe(0);
  });

  test("a root key verifies every image", async () => {
    resetKeys();
    const r = await trust(["--root", key1.publicKey]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Added root key at "${join(sb.localConfig, "trustedkeys/root.d", key1.fingerprint)}"`);
    expect((await fetch(app)).code).toBe(0);
    expect((await fetch(other)).code).toBe(0);
  });

  test("a key in the system keystore counts, and an empty local file masks it", async () => {
    resetKeys();
    const sys = join(sb.systemConfig, "trustedkeys/prefix.d/rkt-prefix.com");
    mkdirSync(sys, { recursive: true });
    copyFileSync(key1.publicKey, join(sys, key1.fingerprint));
    expect((await fetch(app)).code).toBe(0);
    const local = join(sb.localConfig, "trustedkeys/prefix.d/rkt-prefix.com");
    mkdirSync(local, { recursive: true });
    writeFileSync(join(local, key1.fingerprint), "");
    expect((await fetch(app)).stderr).toMatch(/signature made by unknown entity/);
  });

  test("a tampered image does not match its signature", async () => {
    resetKeys();
    await trust(["--prefix", "rkt-prefix.com", key1.publicKey]);
    const tampered = sb.path("tampered.aci");
    const bytes = readFileSync(app);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(tampered, bytes);
    copyFileSync(`${app}.asc`, `${tampered}.asc`);
    const r = await fetch(tampered);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/^fetch: openpgp: invalid signature: hash tag doesn't match: image "rkt-prefix.com\/my-app" \(.*tampered\.aci\) does not match the signature .*tampered\.aci\.asc/);
  });

  test("--signature names the signature file", async () => {
    const elsewhere = sb.path("elsewhere.asc");
    copyFileSync(`${app}.asc`, elsewhere);
    const copy = sb.path("copy-without-sig.aci");
    copyFileSync(app, copy);
    expect((await fetch(copy)).code).toBe(254);
    const r = await sb.rkt(["fetch", copy, `--signature=${elsewhere}`]);
    expect(r.code, r.stderr).toBe(0);
  });

  test("a signature by an expired key is refused", async () => {
    resetKeys();
    const old = gpg.genKey("Old Key <old@example.com>", { expire: "1d", createdSecondsAgo: 10 * 86400 });
    const img = buildAci(sb.path("old.aci"), { name: "rkt-prefix.com/old" });
    gpg.sign(old, img, { secondsAgo: 9.5 * 86400 });
    await trust(["--prefix", "rkt-prefix.com", old.publicKey]);
    const r = await fetch(img);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/^fetch: openpgp: key expired: image "rkt-prefix.com\/old" \(.*\) is signed with key [0-9A-F ]+ \(.*trustedkeys.*\), which expired on \d{4}-/);
  });

  test("a signature by a revoked key is refused", async () => {
    resetKeys();
    const rev = gpg.genKey("Revoked Key <revoked@example.com>");
    const img = buildAci(sb.path("revoked.aci"), { name: "rkt-prefix.com/revoked" });
    gpg.sign(rev, img);
    gpg.revoke(rev);
    await trust(["--prefix", "rkt-prefix.com", rev.publicKey]);
    const r = await fetch(img);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/^fetch: openpgp: key revoked: image "rkt-prefix.com\/revoked" .* has been revoked/);
  });

  test("--insecure-options=image skips verification with rkt's warning", async () => {
    resetKeys();
    const r = await sb.rkt(["--insecure-options=image", "fetch", app]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("image: warning: image signature verification has been disabled\n");
  });

  test("rkt trust refuses unbounded trust, URL prefixes and unreadable keys", async () => {
    const unbounded = await sb.rkt(["trust", key1.publicKey]);
    expect(unbounded.code).toBe(254);
    expect(unbounded.stderr).toMatch(/aborting due to implicit unbounded trust \(root domain\)/);
    const both = await sb.rkt(["trust", "--root", "--prefix=example.com", key1.publicKey]);
    expect(both.stderr).toMatch(/--root and --prefix usage mutually exclusive/);
    const scheme = await sb.rkt(["trust", "--prefix=https://example.com", key1.publicKey]);
    expect(scheme.stderr).toMatch(/--prefix must not contain a URL scheme, omit https:\/\//);
    const bad = sb.path("not-a-key.asc");
    writeFileSync(bad, "hello");
    const notKey = await trust(["--prefix=example.com", bad]);
    expect(notKey.code).toBe(254);
    expect(notKey.stderr).toContain(`trust: error adding keys: error displaying the key ${bad}: ${bad} is not an OpenPGP public key`);
    const badPrefix = await trust(["--prefix=Example.com", key1.publicKey]);
    expect(badPrefix.code).toBe(254);
    expect(badPrefix.stderr).toMatch(/invalid prefix "Example.com"/);
  });

  test("without a terminal, rkt trust will not ask and stores nothing", async () => {
    resetKeys();
    const r = await sb.rkt(["trust", "--prefix=rkt-prefix.com", key1.publicKey], { input: "yes\n" });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/unable to ask user to review fingerprint due to lack of tty/);
    expect(r.stderr).toContain(' - run: rkt trust --prefix "rkt-prefix.com"');
    expect((await fetch(app)).code).toBe(254);
  });

  // `script` gives rkt a terminal, as a user typing the answer would.
  const onTerminal = (args: string[], answer: string) => {
    const cmd = [RKT, `--dir=${sb.dataDir}`, `--local-config=${sb.localConfig}`, `--system-config=${sb.systemConfig}`, ...args]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(" ");
    return run("script", ["-qec", cmd, "/dev/null"], { input: answer });
  };

  test("on a terminal, rkt trust asks and stores the key on yes", async () => {
    resetKeys();
    const r = await onTerminal(["trust", "--prefix=rkt-prefix.com", key1.publicKey], "maybe\nyes\n");
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(`gpg key fingerprint is: ${spaced(key1.fingerprint)}`);
    expect(r.stdout).toContain("Are you sure you want to trust this key (yes/no)?");
    expect(r.stdout).toContain("Please enter 'yes' or 'no'");
    expect(r.stdout).toContain(`Trusting "${key1.publicKey}" for prefix "rkt-prefix.com" after fingerprint review.`);
    expect((await fetch(app)).code).toBe(0);
  });

  test("on a terminal, no means no", async () => {
    resetKeys();
    const r = await onTerminal(["trust", "--prefix=rkt-prefix.com", key1.publicKey], "no\n");
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(`pubkey: not trusting "${key1.publicKey}"`);
    expect((await fetch(app)).code).toBe(254);
  });
});
