// Fetching an image by name with appc discovery (rkt's nameFetcher): find its endpoints,
// maybe trust the keys the name's site publishes, then fetch the first endpoint like a URL,
// checking that the image is the one asked for.
import type { NameValue } from "@rkt/stage1-api";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { PubkeyManager } from "../trust/pubkeys.js";
import { confirmTrust, isInteractive } from "../trust/prompt.js";
import { Discoverer } from "./discovery.js";
import { HttpClient } from "./http.js";
import { RemoteAciFetcher, type FetchedAci, type ImportFn, type SignatureLocation } from "./remote.js";

export interface NameRequest {
  name: string;
  /** Requested labels, with os and arch defaulted to the host's. */
  labels: NameValue[];
  /** --signature for this image. */
  signature?: string;
}

export class NameFetcher {
  constructor(
    private readonly ctx: RktContext,
    private readonly importAci: ImportFn,
  ) {}

  async fetch(req: NameRequest): Promise<FetchedAci> {
    const { ctx } = this;
    ctx.reporter.debugLog("image", `searching for app image ${req.name}`);
    const http = new HttpClient({ insecureTls: ctx.insecure.tls, auth: ctx.config.auth });
    const discoverer = new Discoverer(http, { allowHttp: ctx.insecure.http, debugLog: (m) => ctx.reporter.debugLog("image", m) });
    const labels = Object.fromEntries(req.labels.map((l) => [l.name, l.value]));
    let endpoints;
    try {
      endpoints = await discoverer.aciEndpoints({ name: req.name, labels });
    } catch (err) {
      throw new RktError((err as Error).message.startsWith("discovery failed") ? (err as Error).message : `discovery failed for ${JSON.stringify(req.name)}: ${(err as Error).message}`, { cause: err });
    }
    const endpoint = endpoints[0]!;
    ctx.reporter.debugLog("image", `remote fetching from URL ${JSON.stringify(endpoint.aci)}`);
    if (!ctx.insecure.image) await this.maybeFetchPubKeys(req.name);
    const signature: SignatureLocation = req.signature ? { kind: "file", path: req.signature } : { kind: "url", url: endpoint.asc };
    return new RemoteAciFetcher(ctx, this.importAci).fetch({
      url: endpoint.aci,
      signature,
      expect: { name: req.name, labels: req.labels },
      allowHttp: ctx.insecure.http,
      latest: !req.labels.some((l) => l.name === "version"),
    });
  }

  /**
   * rkt's maybeFetchPubKeys: with no key trusted for the name yet, look for the keys its
   * site publishes and offer them (trusted without review with --trust-keys-from-https).
   * A failure here is only reported: a root key may still verify the image.
   */
  private async maybeFetchPubKeys(name: string): Promise<void> {
    const { ctx } = this;
    const log = (m: string): void => ctx.reporter.log("image", m);
    const manager = new PubkeyManager(
      ctx,
      { allowHttp: ctx.insecure.pubkey && ctx.insecure.http, trustKeysFromHttps: ctx.flags.trustKeysFromHttps },
      {
        // `rkt fetch` prints image IDs on stdout; the key review goes to stderr.
        out: (line) => ctx.reporter.stderr(`${line}\n`),
        log: (line) => ctx.reporter.log("pubkey", line),
        interactive: isInteractive(),
        confirm: () => confirmTrust((line) => ctx.reporter.stderr(`${line}\n`)),
      },
    );
    try {
      if (manager.keystore.prefixHasKeys(name)) {
        log(`keys already exist for prefix ${JSON.stringify(name)}, not fetching again`);
        return;
      }
    } catch (err) {
      log(`error checking for existing keys: ${(err as Error).message}`);
      return;
    }
    if (ctx.insecure.pubkey) log("signing keys may be downloaded from an insecure connection");
    // Keys fetched without TLS verification are not worth offering unless asked for.
    if (ctx.insecure.tls && !ctx.insecure.pubkey) return;
    try {
      const locations = await manager.locations(name);
      await manager.addKeys(locations, name, ctx.flags.trustKeysFromHttps ? "force" : "ask");
    } catch (err) {
      log((err as Error).message);
    }
  }
}
