// Adding keys to the keystore, rkt's pubkey.Manager: keys come from a file, an https URL
// (http with --insecure-allow-http), or appc discovery (ac-discovery-pubkeys). Each key is
// shown (fingerprint, subkeys, identities) and, unless review is skipped, confirmed by the
// user on a terminal before it is stored. Output lines are rkt's.
import { formatFingerprint, readPublicKey, type KeyScope } from "@rkt/trust";
import { readFileSync } from "node:fs";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { Discoverer } from "../images/discovery.js";
import { HttpClient } from "../images/http.js";
import { keystoreFor } from "../images/verify.js";

const MAX_KEY_BYTES = 1 << 20;

export interface PubkeyIO {
  /** A line on stdout. */
  out(line: string): void;
  /** A line on stderr, with the `pubkey:` prefix rkt's key manager prints. */
  log(line: string): void;
  /** Whether the user can be asked (stdin and stderr are terminals). */
  interactive: boolean;
  /** Asks `Are you sure you want to trust this key (yes/no)?` until yes or no. */
  confirm(): Promise<boolean>;
}

export interface PubkeyOptions {
  /** --insecure-allow-http (rkt trust), or --insecure-options=http,pubkey (fetch). */
  allowHttp: boolean;
  /** --trust-keys-from-https: keys fetched over HTTPS need no review. */
  trustKeysFromHttps: boolean;
}

export type Accept = "force" | "ask";

export class PubkeyManager {
  private readonly http: HttpClient;
  readonly keystore;

  constructor(
    private readonly ctx: RktContext,
    private readonly opts: PubkeyOptions,
    private readonly io: PubkeyIO,
  ) {
    this.http = new HttpClient({ insecureTls: ctx.insecure.tls, auth: ctx.config.auth });
    this.keystore = keystoreFor(ctx);
  }

  /** Key locations for a prefix, by discovery. */
  async locations(prefix: string): Promise<string[]> {
    if (prefix === "") throw new RktError("error determining key location: empty prefix (root keys are never discovered: give a key file)");
    const discoverer = new Discoverer(this.http, {
      allowHttp: this.opts.allowHttp,
      debugLog: (m) => this.ctx.reporter.debugLog("pubkey", m),
    });
    try {
      return await discoverer.pubkeys(prefix);
    } catch (err) {
      throw new RktError(`error determining key location: prefix meta discovery error: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Adds each key, for `prefix` or as a root key (prefix ""). A key the user declines is
   * skipped; any other problem stops with an error naming the key.
   */
  async addKeys(locations: string[], prefix: string, accept: Accept): Promise<void> {
    const scope: KeyScope = prefix === "" ? { kind: "root" } : { kind: "prefix", prefix };
    if (scope.kind === "prefix") this.keystore.prefixDir(prefix); // validates the prefix first
    for (const location of locations) {
      const { bytes, https } = await this.getKey(location);
      let parsed;
      try {
        parsed = await readPublicKey(bytes, location);
      } catch (err) {
        throw new RktError(`error adding keys: error displaying the key ${location}: ${(err as Error).message}`, { cause: err });
      }
      const { info } = parsed;
      this.io.log(`prefix: ${JSON.stringify(prefix)}\nkey: ${JSON.stringify(location)}`);
      this.io.out(`gpg key fingerprint is: ${formatFingerprint(info.fingerprint)}`);
      for (const sub of info.subkeyFingerprints) this.io.out(`    Subkey fingerprint: ${formatFingerprint(sub)}`);
      for (const id of info.identities) this.io.out(`\t${id}`);

      let mode = accept;
      if (this.opts.trustKeysFromHttps && https) mode = "force";
      if (mode === "ask") {
        if (!this.io.interactive) {
          this.io.log(`To trust the key for ${JSON.stringify(prefix)}, do one of the following:`);
          this.io.log(" - call rkt with --trust-keys-from-https");
          this.io.log(` - run: rkt trust --prefix ${JSON.stringify(prefix)}`);
          throw new RktError(
            "error adding keys: error reviewing key: unable to ask user to review fingerprint due to lack of tty (review it and add --skip-fingerprint-review)",
          );
        }
        if (!(await this.io.confirm())) {
          this.io.log(`not trusting ${JSON.stringify(location)}`);
          continue;
        }
      }
      this.io.out(`Trusting ${JSON.stringify(location)} for prefix ${JSON.stringify(prefix)} ${mode === "force" ? "without" : "after"} fingerprint review.`);
      let path: string;
      try {
        path = this.keystore.store(scope, info.fingerprint, bytes);
      } catch (err) {
        const what = scope.kind === "root" ? "error adding root key" : `error adding key for prefix ${JSON.stringify(prefix)}`;
        throw new RktError(`error adding keys: ${what}: ${(err as Error).message}`, { cause: err });
      }
      this.io.out(scope.kind === "root" ? `Added root key at ${JSON.stringify(path)}` : `Added key for prefix ${JSON.stringify(prefix)} at ${JSON.stringify(path)}`);
    }
  }

  /** rkt's getPubKey: a path, or an http(s) URL. */
  private async getKey(location: string): Promise<{ bytes: Buffer; https: boolean }> {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(location)?.[1]?.toLowerCase();
    const fail = (why: string, cause?: unknown): RktError => new RktError(`error adding keys: error accessing the key ${location}: ${why}`, { cause });
    if (scheme === undefined) {
      try {
        return { bytes: readFileSync(location), https: false };
      } catch (err) {
        throw fail((err as Error).message, err);
      }
    }
    if (scheme === "http" && !this.opts.allowHttp) throw fail("--insecure-allow-http required for http URLs");
    if (scheme !== "http" && scheme !== "https") throw fail("only local files and http or https URLs supported");
    let res;
    try {
      res = await this.http.bytes(location, { allowHttp: this.opts.allowHttp, maxBytes: MAX_KEY_BYTES });
    } catch (err) {
      throw fail((err as Error).message, err);
    }
    if (res.status !== 200) throw fail(`bad HTTP status code: ${res.status}`);
    return { bytes: res.data, https: new URL(res.url).protocol === "https:" };
  }
}
