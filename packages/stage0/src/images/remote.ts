// Fetching an ACI from an http(s) URL, as rkt's httpFetcher / nameFetcher: reuse the stored
// copy while its Cache-Control max-age lasts, otherwise ask again with the stored ETag
// (304 = unchanged, nothing downloaded); fetch the signature (waiting for the image first
// when the server defers it with 202), check it against the keystore, and only then store
// the image and remember the URL.
import type { NameValue } from "@rkt/stage1-api";
import { readAciManifest, type RemoteRecord } from "@rkt/store";
import { readFileSync } from "node:fs";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { downloadFile } from "./download.js";
import { HttpClient } from "./http.js";
import { ImageVerifier } from "./verify.js";

export interface FetchedAci {
  key: string;
  manifest: import("@rkt/stage1-api").ImageManifest;
}

export type ImportFn = (file: string, label: string, latest: boolean) => Promise<FetchedAci>;

export type SignatureLocation = { kind: "file"; path: string } | { kind: "url"; url: string };

export interface RemoteRequest {
  url: string;
  signature: SignatureLocation;
  /** For images found by name: what the manifest must say (rkt's ValidateName/Labels). */
  expect?: { name: string; labels: NameValue[] };
  /** Whether plain http:// may be used for the image and signature. */
  allowHttp: boolean;
  /** rkt's aciinfo "latest": a discovery fetch without a version label. */
  latest: boolean;
}

const MAX_SIGNATURE_BYTES = 1 << 20;

type SignatureResult = { kind: "data"; data: Buffer; label: string } | { kind: "deferred" };

export function isFresh(rem: RemoteRecord, now = Date.now()): boolean {
  return rem.cacheMaxAge > 0 && now - rem.downloadTime < rem.cacheMaxAge * 1000;
}

export class RemoteAciFetcher {
  private readonly http: HttpClient;

  constructor(
    private readonly ctx: RktContext,
    private readonly importAci: ImportFn,
  ) {
    this.http = new HttpClient({ insecureTls: ctx.insecure.tls, auth: ctx.config.auth });
  }

  /** The stored record for a URL whose image is still in the store. */
  cached(url: string): RemoteRecord | undefined {
    const rem = this.ctx.store.getRemote(url);
    return rem && this.ctx.store.has(rem.key) ? rem : undefined;
  }

  async fetch(req: RemoteRequest): Promise<FetchedAci> {
    const { ctx } = this;
    const store = ctx.store;
    const cached = this.cached(req.url);
    if (cached && isFresh(cached)) {
      ctx.reporter.debugLog("image", `image for ${req.url} isn't expired, not fetching.`);
      return { key: cached.key, manifest: store.manifest(cached.key) };
    }
    ctx.reporter.debugLog("image", `fetching image from ${req.url}`);
    if (ctx.insecure.tls) ctx.reporter.log("image", "warning: TLS verification has been disabled");
    const verify = !ctx.insecure.image;
    if (!verify) ctx.reporter.log("image", "warning: image signature verification has been disabled");
    const verifier = new ImageVerifier(ctx);

    let sig: SignatureResult | undefined;
    if (verify) {
      sig = await this.signature(req);
      if (sig.kind === "deferred") ctx.reporter.log("image", "server requested deferring the signature download");
      else if (req.expect) await verifier.checkSigner(req.expect.name, sig.data, req.url, sig.label);
    }

    const dl = await this.download(req.url, cached?.etag, req.allowHttp);
    if (dl.kind === "not-modified") {
      // The stored copy was verified when it was stored; it is still what the server has.
      store.setRemote({ ...cached!, etag: dl.etag, cacheMaxAge: dl.maxAge, downloadTime: Date.now() });
      ctx.reporter.debugLog("image", `using image from local store for url ${req.url}`);
      return { key: cached!.key, manifest: store.manifest(cached!.key) };
    }
    try {
      const manifest = await readAciManifest(dl.file, req.url);
      if (req.expect) {
        // As rkt: the name and labels are part of what verification checks; with
        // --insecure-options=image a mismatch is reported, not refused.
        const mismatch = expectedMismatch(manifest, req.expect);
        if (mismatch && verify) throw new RktError(mismatch);
        if (mismatch) ctx.reporter.log("image", `warning: ${mismatch} (not refused: image verification is disabled)`);
      }
      if (sig) {
        if (sig.kind === "deferred") {
          sig = await this.signature(req);
          if (sig.kind === "deferred") {
            throw new RktError(`error downloading the signature file: ${sigLocation(req)}: server asked to defer the download again`);
          }
        }
        await verifier.verify({ file: dl.file, label: req.url, manifest, signature: sig.data, signatureLabel: sig.label });
      }
      const imported = await this.importAci(dl.file, req.url, req.latest);
      store.setRemote({
        url: req.url,
        sigUrl: req.signature.kind === "url" ? req.signature.url : undefined,
        etag: dl.etag,
        key: imported.key,
        cacheMaxAge: dl.maxAge,
        downloadTime: Date.now(),
      });
      return imported;
    } finally {
      dl.done();
    }
  }

  private async download(url: string, etag: string | undefined, allowHttp: boolean) {
    let dl;
    try {
      dl = await downloadFile(this.http, url, {
        tmpDir: this.ctx.store.paths.tmp,
        label: "Downloading ACI",
        etag,
        allowHttp,
        progress: (t) => this.ctx.reporter.stderr(t),
        log: (t) => this.ctx.reporter.log("image", t),
        tty: process.stderr.isTTY === true,
      });
    } catch (err) {
      throw new RktError(`error downloading ACI: ${(err as Error).message}`, { cause: err });
    }
    if (dl.kind === "deferred") throw new RktError(`error downloading ACI: ${url}: bad HTTP status code: 202`);
    return dl;
  }

  private async signature(req: RemoteRequest): Promise<SignatureResult> {
    const loc = req.signature;
    const hint = "(sign the image, give --signature=FILE, or use --insecure-options=image to skip verification)";
    if (loc.kind === "file") {
      try {
        return { kind: "data", data: readFileSync(loc.path), label: loc.path };
      } catch (err) {
        throw new RktError(`error opening signature file: ${(err as Error).message} ${hint}`, { cause: err });
      }
    }
    this.ctx.reporter.debugLog("image", `downloading signature from ${loc.url}`);
    let res;
    try {
      res = await this.http.bytes(loc.url, { allowHttp: req.allowHttp, maxBytes: MAX_SIGNATURE_BYTES });
    } catch (err) {
      throw new RktError(`error downloading the signature file: ${(err as Error).message} ${hint}`, { cause: err });
    }
    if (res.status === 202) return { kind: "deferred" };
    if (res.status !== 200) throw new RktError(`error downloading the signature file: ${loc.url}: bad HTTP status code: ${res.status} ${hint}`);
    return { kind: "data", data: res.data, label: loc.url };
  }
}

function sigLocation(req: RemoteRequest): string {
  return req.signature.kind === "file" ? req.signature.path : req.signature.url;
}

/** rkt's ValidateName and ValidateLabels, with rkt's messages: what differs, if anything. */
function expectedMismatch(manifest: import("@rkt/stage1-api").ImageManifest, expect: { name: string; labels: NameValue[] }): string | undefined {
  if (manifest.name !== expect.name) {
    return `error when reading the app name: ${JSON.stringify(expect.name)} expected but ${JSON.stringify(manifest.name)} found`;
  }
  for (const l of expect.labels) {
    const actual = manifest.labels?.find((m) => m.name === l.name);
    if (!actual) return `requested label ${JSON.stringify(l.name)} not provided by the image manifest`;
    if (actual.value !== l.value) {
      return `requested value for label ${JSON.stringify(l.name)}: ${JSON.stringify(l.value)} differs from fetched aci label value: ${JSON.stringify(actual.value)}`;
    }
  }
  return undefined;
}
