// Verification against keys and signatures made by real GnuPG.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GpgHome, type TestKey } from "../../../test/helpers/gpg.js";
import { Keystore } from "./keystore.js";
import { readPublicKey } from "./pgp.js";
import { checkSignerTrusted, verifyFile } from "./verify.js";

describe("verifyFile", () => {
  let gpg: GpgHome;
  let dir: string;
  let good: TestKey;
  let other: TestKey;
  let expired: TestKey;
  let revoked: TestKey;
  let image: string;

  const keystore = (name: string): Keystore => new Keystore({ system: join(dir, name, "lib"), local: join(dir, name, "etc") });
  const trust = async (ks: Keystore, key: TestKey, prefix?: string): Promise<void> => {
    const bytes = readFileSync(key.publicKey);
    const { info } = await readPublicKey(bytes, key.publicKey);
    ks.store(prefix ? { kind: "prefix", prefix } : { kind: "root" }, info.fingerprint, bytes);
  };

  beforeAll(() => {
    gpg = new GpgHome();
    dir = mkdtempSync(join(tmpdir(), "rkt-verify-"));
    good = gpg.genKey("Good Signer <good@example.com>");
    other = gpg.genKey("Other Signer <other@example.com>");
    expired = gpg.genKey("Expired Signer <expired@example.com>", { expire: "1d", createdSecondsAgo: 10 * 86400 });
    revoked = gpg.genKey("Revoked Signer <revoked@example.com>");
    image = join(dir, "image.aci");
    writeFileSync(image, Buffer.alloc(300_000, 7));
  });
  afterAll(() => {
    gpg.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a key trusted for a prefix of the name verifies", async () => {
    const ks = keystore("prefix");
    await trust(ks, good, "example.com");
    const sig = readFileSync(gpg.sign(good, image, { out: join(dir, "good.asc") }));
    const signer = await verifyFile(ks, "example.com/app", image, sig);
    expect(signer.fingerprint).toBe(good.fingerprint);
    expect(signer.identities).toEqual(["Good Signer <good@example.com>"]);
    expect(signer.scope).toEqual({ kind: "prefix", prefix: "example.com" });
    await expect(checkSignerTrusted(ks, "example.com/app", sig)).resolves.toBeUndefined();
  });

  test("a root key verifies any name", async () => {
    const ks = keystore("root");
    await trust(ks, good);
    const sig = readFileSync(gpg.sign(good, image, { out: join(dir, "good.asc") }));
    expect((await verifyFile(ks, "anything.org/x", image, sig)).scope).toEqual({ kind: "root" });
  });

  test("a key trusted for another prefix is an unknown entity", async () => {
    const ks = keystore("wrongprefix");
    await trust(ks, good, "example.com/other");
    const sig = readFileSync(gpg.sign(good, image, { out: join(dir, "good.asc") }));
    await expect(verifyFile(ks, "example.com/app", image, sig)).rejects.toMatchObject({
      code: "unknown-entity",
      message: "openpgp: signature made by unknown entity",
    });
    await expect(checkSignerTrusted(ks, "example.com/app", sig)).rejects.toMatchObject({ code: "unknown-entity" });
  });

  test("a signature by another key is an unknown entity, naming the key ID", async () => {
    const ks = keystore("wrongkey");
    await trust(ks, good, "example.com");
    const sig = readFileSync(gpg.sign(other, image, { out: join(dir, "other.asc") }));
    const err = await verifyFile(ks, "example.com/app", image, sig).catch((e) => e);
    expect(err.code).toBe("unknown-entity");
    expect(err.details.keyIds).toEqual([other.fingerprint.slice(-16).toUpperCase()]);
  });

  test("a tampered image fails with rkt's message", async () => {
    const ks = keystore("tampered");
    await trust(ks, good, "example.com");
    const sig = readFileSync(gpg.sign(good, image, { out: join(dir, "good.asc") }));
    const tampered = join(dir, "tampered.aci");
    const bytes = readFileSync(image);
    bytes[1000] ^= 1;
    writeFileSync(tampered, bytes);
    await expect(verifyFile(ks, "example.com/app", tampered, sig)).rejects.toMatchObject({
      code: "bad-signature",
      message: "openpgp: invalid signature: hash tag doesn't match",
    });
  });

  test("an expired key no longer verifies what it signed while valid", async () => {
    const ks = keystore("expired");
    await trust(ks, expired, "example.com");
    const sig = readFileSync(gpg.sign(expired, image, { out: join(dir, "expired.asc"), secondsAgo: 9.5 * 86400 }));
    const err = await verifyFile(ks, "example.com/app", image, sig).catch((e) => e);
    expect(err).toMatchObject({ code: "key-expired", message: "openpgp: key expired" });
    expect(err.details.expiredAt).toBeInstanceOf(Date);
  });

  test("a revoked key does not verify", async () => {
    const ks = keystore("revoked");
    const sig = readFileSync(gpg.sign(revoked, image, { out: join(dir, "revoked.asc") }));
    gpg.revoke(revoked);
    await trust(ks, revoked, "example.com");
    await expect(verifyFile(ks, "example.com/app", image, sig)).rejects.toMatchObject({ code: "key-revoked", message: "openpgp: key revoked" });
  });

  test("garbage is not a signature", async () => {
    const ks = keystore("garbage");
    await expect(verifyFile(ks, "example.com/app", image, Buffer.from("not a signature"))).rejects.toMatchObject({ code: "malformed-signature" });
  });

  test("a keystore file named for another key is refused", async () => {
    const ks = keystore("mismatch");
    const bytes = readFileSync(good.publicKey);
    ks.store({ kind: "root" }, other.fingerprint, bytes);
    const sig = readFileSync(gpg.sign(good, image, { out: join(dir, "good.asc") }));
    await expect(verifyFile(ks, "example.com/app", image, sig)).rejects.toMatchObject({ code: "keystore", message: /fingerprint mismatch/ });
  });

  test("readPublicKey refuses a private key and reads binary keys", async () => {
    await expect(readPublicKey(Buffer.from("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n"), "k.asc")).rejects.toMatchObject({ code: "bad-key" });
  });
});
