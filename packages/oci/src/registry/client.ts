// The Registry HTTP API v2 client (docker/distribution, OCI distribution-spec) for pulls:
// manifests with content negotiation, blobs with digest verification (by the sink),
// retries with backoff on network errors and 5xx/429, and resumption of interrupted
// downloads with Range requests.
import { setTimeout as sleep } from "node:timers/promises";
import { sha256Digest, type Digest } from "../digest.js";
import { DigestMismatchError, OciError, RegistryError } from "../errors.js";
import { MAX_DOCUMENT_BYTES } from "../json-fields.js";
import type { Descriptor } from "../manifest.js";
import { MANIFEST_ACCEPT } from "../media-types.js";
import { formatDockerReference, manifestReference, type DockerReference } from "../reference.js";
import type { BlobSink, FetchedDocument, ImageSource, ProgressFn } from "../source.js";
import { Authenticator, type Credentials } from "./auth.js";
import { classifyNetworkError, HttpClient, NetworkError, readBody, type HttpResponse } from "./http.js";

export interface RegistryOptions {
  credentials?: Credentials;
  /** --insecure-options=http: plain HTTP when the registry does not speak TLS. */
  allowHttp: boolean;
  /** --insecure-options=tls: accept any certificate. */
  insecureTls: boolean;
  /** Trusted CA certificates (PEM), e.g. the system's store; Node's list when not given. */
  ca?: string[];
  /** Attempts per request (network errors, HTTP 5xx and 429). Default 4. */
  attempts?: number;
  /** First backoff delay; doubles per attempt. Default 500 ms. */
  backoffMs?: number;
  timeoutMs?: number;
  log?: (message: string) => void;
}

/** A response that is complete but shorter than the descriptor says: not worth retrying. */
class TruncatedError extends DigestMismatchError {}

export class RegistryClient implements ImageSource {
  readonly label: string;
  private readonly http: HttpClient;
  private readonly auth: Authenticator;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly log: (m: string) => void;
  private scheme: "https:" | "http:" | undefined;
  private readonly display: string;

  constructor(
    readonly ref: DockerReference,
    private readonly opts: RegistryOptions,
  ) {
    this.label = `registry ${ref.registry}`;
    this.display = formatDockerReference(ref);
    this.http = new HttpClient({ insecureTls: opts.insecureTls, ca: opts.ca, timeoutMs: opts.timeoutMs });
    this.log = opts.log ?? (() => {});
    this.auth = new Authenticator(this.http, ref.registry, opts.credentials, this.log);
    this.attempts = Math.max(1, opts.attempts ?? 4);
    this.backoffMs = opts.backoffMs ?? 500;
  }

  async close(): Promise<void> {
    this.http.close();
  }

  resolve(): Promise<FetchedDocument> {
    return this.getManifest(manifestReference(this.ref), this.ref.digest, `manifest of ${this.display}`);
  }

  manifest(desc: Descriptor): Promise<FetchedDocument> {
    return this.getManifest(desc.digest, desc.digest, `manifest ${desc.digest} of ${this.display}`, desc);
  }

  async smallBlob(desc: Descriptor): Promise<FetchedDocument> {
    const what = `blob ${desc.digest} of ${this.display} (${this.label})`;
    if (desc.size > MAX_DOCUMENT_BYTES) throw new OciError(`${what}: ${desc.size} bytes is too large for an image config`);
    const bytes = await this.retrying(what, async () => {
      const res = await this.get(this.url(`blobs/${desc.digest}`), {});
      await this.expectOk(res, what);
      return readBody(res, desc.size, what);
    });
    checkDocument(bytes, desc, what);
    return { bytes, digest: desc.digest, mediaType: desc.mediaType, file: what };
  }

  async blob(desc: Descriptor, sink: BlobSink, progress?: ProgressFn): Promise<void> {
    const what = `layer ${desc.digest} of ${this.display} (${this.label})`;
    await this.retrying(what, () => this.blobAttempt(desc, sink, what, progress));
  }

  // ---- internals

  private url(path: string): URL {
    return new URL(`${this.scheme ?? "https:"}//${this.ref.registry}/v2/${this.ref.repository}/${path}`);
  }

  private scope(): string {
    return `repository:${this.ref.repository}:pull`;
  }

  /**
   * A GET with the registry's authentication, answering one challenge. The first request
   * also settles the scheme: HTTPS, or plain HTTP when allowed and the server has no TLS.
   */
  private async get(url: URL, headers: Record<string, string>): Promise<HttpResponse> {
    if (this.scheme === undefined) url = await this.settleScheme(url);
    const headersFor = (u: URL): Record<string, string> => (u.host === url.host ? { ...headers, ...this.auth.header() } : { ...headers });
    let res = await this.http.follow(url, "GET", headersFor);
    if (res.status === 401) {
      const challenge = res.headers["www-authenticate"];
      res.body.resume();
      if (await this.auth.answer(challenge, this.scope())) res = await this.http.follow(url, "GET", headersFor);
      if (res.status === 401) {
        res.body.resume();
        throw new RegistryError(
          this.opts.credentials
            ? `${this.label} refused the credentials of ${JSON.stringify(this.opts.credentials.user)} for ${this.ref.repository} (HTTP 401)`
            : `${this.label} requires authentication for ${this.ref.repository}: add a dockerAuth entry for ${this.ref.registry} in auth.d`,
          401,
        );
      }
    }
    return res;
  }

  private async settleScheme(url: URL): Promise<URL> {
    try {
      // Any HTTP answer proves the scheme works; the request is then made for real.
      const res = await this.http.request(new URL(`https://${this.ref.registry}/v2/`), "GET", {});
      res.body.resume();
      this.scheme = "https:";
      return url;
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      if (err.kind === "tls-verify") {
        throw new RegistryError(`${this.label}: ${err.message}; to skip TLS verification, use --insecure-options=tls`);
      }
      if (!this.opts.allowHttp) {
        if (err.kind === "not-tls") {
          throw new RegistryError(`${this.label}: ${err.message}; to fetch over plain HTTP, use --insecure-options=http`);
        }
        throw new RegistryError(`${this.label}: ${err.message}`, undefined, { cause: err });
      }
      this.log(`${this.label}: HTTPS failed (${err.message}), trying plain HTTP`);
      this.scheme = "http:";
      const plain = new URL(url.href);
      plain.protocol = "http:";
      return plain;
    }
  }

  private async expectOk(res: HttpResponse, what: string, ok: number[] = [200]): Promise<void> {
    if (ok.includes(res.status)) return;
    const body = await readBody(res, 64 << 10, what).catch(() => Buffer.alloc(0));
    const detail = registryErrorText(body);
    if (res.status === 404) throw new OciError(`${what}: not found in ${this.label}${detail ? ` (${detail})` : ""}`);
    if (res.status === 403) throw new RegistryError(`${what}: ${this.label} denied access${detail ? ` (${detail})` : ""}`, 403);
    throw new RegistryError(`${what}: ${this.label} answered HTTP ${res.status}${detail ? ` (${detail})` : ""}`, res.status);
  }

  private async getManifest(reference: string, pinned: Digest | undefined, what: string, desc?: Descriptor): Promise<FetchedDocument> {
    const label = `${what} (${this.label})`;
    const { bytes, res } = await this.retrying(label, async () => {
      const res = await this.get(this.url(`manifests/${reference}`), { Accept: MANIFEST_ACCEPT.join(", ") });
      await this.expectOk(res, label);
      return { bytes: await readBody(res, MAX_DOCUMENT_BYTES, label), res };
    });
    const digest = sha256Digest(bytes);
    if (pinned && digest !== pinned) {
      throw new DigestMismatchError(`${label}: content does not match its digest (got ${digest})`);
    }
    if (desc && bytes.length !== desc.size) {
      throw new DigestMismatchError(`${label}: ${bytes.length} bytes where the index says ${desc.size}`);
    }
    const announced = res.headers["docker-content-digest"];
    if (typeof announced === "string" && announced.startsWith("sha256:") && announced !== digest) {
      throw new DigestMismatchError(`${label}: content does not match the digest the registry announced (${announced}, got ${digest})`);
    }
    return { bytes, digest, mediaType: res.headers["content-type"], file: label };
  }

  private async blobAttempt(desc: Descriptor, sink: BlobSink, what: string, progress?: ProgressFn): Promise<void> {
    if (sink.offset > desc.size) sink.reset();
    if (desc.size > 0 && sink.offset === desc.size) return; // complete; the sink verifies it
    const from = sink.offset;
    const res = await this.get(this.url(`blobs/${desc.digest}`), from > 0 ? { Range: `bytes=${from}-` } : {});
    if (res.status === 416) {
      res.body.resume();
      sink.reset();
      throw new NetworkError(`${what}: the registry refused to resume at byte ${from}`, undefined, "network");
    }
    await this.expectOk(res, what, [200, 206]);
    if (res.status === 206) {
      const start = Number(/^bytes (\d+)-/.exec(String(res.headers["content-range"] ?? ""))?.[1]);
      if (start !== from) {
        res.body.destroy();
        sink.reset();
        throw new NetworkError(`${what}: the registry resumed at the wrong offset`, undefined, "network");
      }
      this.log(`${what}: resuming at byte ${from}`);
    } else if (from > 0) {
      sink.reset(); // the server sends everything again
    }
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        if (sink.offset + chunk.length > desc.size) {
          res.body.destroy();
          throw new DigestMismatchError(`${what}: the registry sent more than the ${desc.size} bytes the manifest says`);
        }
        sink.write(chunk);
        progress?.(sink.offset);
      }
    } catch (err) {
      if (err instanceof OciError) throw err;
      throw classifyNetworkError(err as NodeJS.ErrnoException);
    }
    if (!res.body.complete) throw new NetworkError(`${what}: connection closed after ${sink.offset} bytes`, undefined, "network");
    if (sink.offset < desc.size) {
      throw new TruncatedError(`${what}: truncated: got ${sink.offset} of ${desc.size} bytes`);
    }
  }

  /** Runs `fn` again on network errors and HTTP 5xx/429, with exponential backoff. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const retryable =
          (err instanceof NetworkError && err.kind === "network") ||
          (err instanceof RegistryError && !(err instanceof NetworkError) && err.status !== undefined && (err.status >= 500 || err.status === 429));
        if (!retryable || attempt >= this.attempts) {
          if (err instanceof NetworkError) throw new RegistryError(`${what}: ${err.message}`, undefined, { cause: err });
          throw err;
        }
        const delay = this.backoffMs * 2 ** (attempt - 1);
        this.log(`${what}: ${(err as Error).message}; retrying in ${delay} ms (attempt ${attempt + 1} of ${this.attempts})`);
        await sleep(delay);
      }
    }
  }
}

function checkDocument(bytes: Buffer, desc: Descriptor, what: string): void {
  if (bytes.length !== desc.size) throw new DigestMismatchError(`${what}: ${bytes.length} bytes where the manifest says ${desc.size}`);
  const got = sha256Digest(bytes);
  if (got !== desc.digest) throw new DigestMismatchError(`${what}: content does not match its digest (got ${got})`);
}

/** The message of a registry's JSON error body (`{"errors":[{"code","message"}]}`). */
function registryErrorText(body: Buffer): string {
  try {
    const j = JSON.parse(body.toString("utf8")) as { errors?: { code?: string; message?: string }[] };
    return (j.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(": ")).join("; ");
  } catch {
    return "";
  }
}
