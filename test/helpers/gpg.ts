// Real OpenPGP keys and signatures for tests, made with GnuPG in a keyring of the test's own
// (a temporary GNUPGHOME), never the user's.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestKey {
  uid: string;
  fingerprint: string;
  /** The armoured public key file. */
  publicKey: string;
}

export class GpgHome {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "rkt-test-gnupg-"));
  }

  private gpg(args: string[], opts: { input?: string } = {}): Buffer {
    return execFileSync("gpg", ["--homedir", this.dir, "--batch", "--no-tty", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "", ...args], {
      input: opts.input,
      stdio: ["pipe", "pipe", "pipe"],
    });
  }

  /**
   * Makes a signing key. `expire` is gpg's (`0` = never, `1d` ...); `createdSecondsAgo`
   * makes the key in the past (gpg --faked-system-time), so that a short expiry is over now.
   */
  genKey(uid: string, opts: { expire?: string; createdSecondsAgo?: number } = {}): TestKey {
    const faked = opts.createdSecondsAgo ? ["--faked-system-time", String(Math.floor(Date.now() / 1000) - opts.createdSecondsAgo)] : [];
    this.gpg([...faked, "--quick-gen-key", uid, "ed25519", "sign", opts.expire ?? "0"]);
    const fingerprint = this.fingerprint(uid);
    const publicKey = join(this.dir, `${fingerprint}.asc`);
    this.gpg(["--armor", "--output", publicKey, "--export", fingerprint]);
    return { uid, fingerprint, publicKey };
  }

  fingerprint(uid: string): string {
    const out = this.gpg(["--with-colons", "--list-keys", uid]).toString();
    const fpr = out.split("\n").find((l) => l.startsWith("fpr:"));
    if (!fpr) throw new Error(`no key for ${uid}`);
    return fpr.split(":")[9]!.toLowerCase();
  }

  /** Writes an armoured detached signature of `file` to `out` (default `file` + ".asc"). */
  sign(key: TestKey, file: string, opts: { out?: string; secondsAgo?: number } = {}): string {
    const out = opts.out ?? `${file}.asc`;
    rmSync(out, { force: true });
    const faked = opts.secondsAgo ? ["--faked-system-time", String(Math.floor(Date.now() / 1000 - opts.secondsAgo))] : [];
    this.gpg([...faked, "--armor", "--local-user", key.fingerprint, "--output", out, "--detach-sign", file]);
    return out;
  }

  /** Revokes the key with its stored revocation certificate; re-exports the public key. */
  revoke(key: TestKey): void {
    const cert = readFileSync(join(this.dir, "openpgp-revocs.d", `${key.fingerprint.toUpperCase()}.rev`), "utf8");
    // gpg stores the certificate with a leading ":" on the armour line so that it is not
    // imported by accident.
    this.gpg(["--import"], { input: cert.replace(/^:-----/m, "-----") });
    this.gpg(["--yes", "--armor", "--output", key.publicKey, "--export", key.fingerprint]);
  }

  cleanup(): void {
    // gpg-agent may have been started for this home; stop it before removing the home.
    try {
      execFileSync("gpgconf", ["--homedir", this.dir, "--kill", "all"], { stdio: "ignore" });
    } catch {
      // no agent
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
