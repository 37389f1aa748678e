// Downloading a URL to a file in the store's tmp directory, with rkt's cache semantics: an
// ETag the store remembers is sent as If-None-Match (304 = the stored copy is current),
// Cache-Control max-age is reported so the caller can skip asking again while it is fresh,
// and 202 Accepted means "come back later" (deferred signatures). A progress line on a
// terminal.
//
// Interrupted downloads resume, as rkt's resumable session: the file is named after the URL
// and locked while in use (another rkt downloading the same URL waits); if a killed rkt left
// part of it, a HEAD asks whether the server takes byte ranges and whether the resource is
// unchanged since (Last-Modified before the part was written, or the ETag the part was
// downloaded with), and only the rest is asked for.
import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RktError } from "../errors.js";
import { takeLock } from "../locks.js";
import { HttpClient } from "./http.js";
import { Progress } from "./progress.js";

export type DownloadResult =
  /** The content is in `file` until `done()` (which removes it and lets others use the name). */
  | { kind: "file"; file: string; etag?: string; maxAge: number; done: () => void }
  /** 304: the stored copy (whose ETag was sent) is current. */
  | { kind: "not-modified"; etag?: string; maxAge: number }
  /** 202: the server asks to come back later. */
  | { kind: "deferred" };

export interface DownloadOptions {
  tmpDir: string;
  /** Progress label, as rkt: "Downloading ACI", "Downloading signature". */
  label: string;
  etag?: string;
  allowHttp: boolean;
  progress: (text: string) => void;
  tty: boolean;
  /** Where rkt's "waiting for another rkt" and "cannot resume" notes go. */
  log?: (text: string) => void;
}

export async function downloadFile(http: HttpClient, url: string, opts: DownloadOptions): Promise<DownloadResult> {
  mkdirSync(opts.tmpDir, { recursive: true, mode: 0o750 });
  const file = join(opts.tmpDir, `dl-${createHash("sha256").update(url).digest("hex").slice(0, 40)}`);
  const etagFile = `${file}.etag`;
  const lock = lockPartial(file, opts.log);
  let finished = false;
  const done = (): void => {
    if (finished) return;
    finished = true;
    rmSync(file, { force: true });
    rmSync(etagFile, { force: true });
    lock.release();
  };
  try {
    const resumeFrom = await resumableBytes(http, url, file, etagFile, opts);
    const headers: Record<string, string> = {};
    if (opts.etag) headers["If-None-Match"] = opts.etag;
    if (resumeFrom > 0) headers.Range = `bytes=${resumeFrom}-`;
    const res = await http.get(url, { headers, allowHttp: opts.allowHttp });
    const maxAge = parseMaxAge(headerValue(res.headers["cache-control"]));
    const etag = headerValue(res.headers.etag);
    if (res.status === 304 && opts.etag) {
      res.body.resume();
      done();
      return { kind: "not-modified", etag: etag ?? opts.etag, maxAge };
    }
    if (res.status === 202) {
      res.body.resume();
      done();
      return { kind: "deferred" };
    }
    if (res.status !== 200 && res.status !== 206) {
      res.body.resume();
      throw new RktError(`${url}: bad HTTP status code: ${res.status}`);
    }
    // rkt appends what the server sends to a ranged request, 200 or 206 alike (servers that
    // honour Range without saying 206 exist); a 200 that says it carries the whole resource
    // starts over instead. A wrong guess fails the image's checks and leaves nothing behind.
    const append = resumeFrom > 0 && !sendsWholeResource(res.status, res.headers);
    if (!append) {
      truncateSync(file, 0);
      if (etag) writeFileSync(etagFile, etag, { mode: 0o640 });
    }
    const length = Number(res.headers["content-length"]) || undefined;
    const start = append ? resumeFrom : 0;
    const progress = new Progress(opts.label, length !== undefined ? start + length : undefined, opts.progress, opts.tty);
    let got = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        got += chunk.length;
        progress.update(start + got);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(res.body, counter, createWriteStream(file, { flags: "a", mode: 0o640 }));
    } catch (err) {
      throw new RktError(`${url}: ${(err as Error).message}`);
    }
    progress.finish(start + got);
    if (length !== undefined && got !== length) throw new RktError(`${url}: the download stopped after ${got} of ${length} bytes`);
    return { kind: "file", file, etag, maxAge, done };
  } catch (err) {
    done();
    throw err;
  }
}

/** The partial download's lock: another rkt downloading the same URL is waited for. */
function lockPartial(file: string, log: DownloadOptions["log"]): { release(): void } {
  writeFileSync(file, "", { flag: "a", mode: 0o640 });
  const held = takeLock(file, { exclusive: true, block: false });
  if (held) return held;
  log?.("another rkt instance is downloading this file, waiting...");
  return takeLock(file, { exclusive: true, block: true })!;
}

/** How many bytes of a partial download can be kept (rkt's maybeSetupDownloadResume). */
async function resumableBytes(http: HttpClient, url: string, file: string, etagFile: string, opts: DownloadOptions): Promise<number> {
  const st = statSync(file);
  if (st.size === 0) return 0;
  const head = await http.get(url, { method: "HEAD", allowHttp: opts.allowHttp });
  head.body.resume();
  if (head.status !== 200) {
    opts.log?.(`bad HTTP status code from HEAD request: ${head.status}`);
    return 0;
  }
  const ranges = headerValue(head.headers["accept-ranges"]);
  if (ranges === undefined) {
    opts.log?.("cannot use cached partial download, range request unsupported.");
    return 0;
  }
  const lastModified = Date.parse(headerValue(head.headers["last-modified"]) ?? "");
  const unchanged = (!Number.isNaN(lastModified) && lastModified < st.mtimeMs) || etagMatches(head.headers, etagFile);
  if (!unchanged || !ranges.split(",").some((r) => r.trim() === "bytes")) {
    opts.log?.("cannot use cached partial download, resource updated.");
    return 0;
  }
  return st.size;
}

function etagMatches(headers: IncomingHttpHeaders, etagFile: string): boolean {
  const etag = headerValue(headers.etag);
  if (!etag) return false;
  try {
    return readFileSync(etagFile, "utf8") === etag;
  } catch {
    return false;
  }
}

function sendsWholeResource(status: number, headers: IncomingHttpHeaders): boolean {
  if (status === 206) return false;
  return headers["content-range"] === undefined && headers["content-length"] !== undefined && headers["accept-ranges"] !== undefined;
}

export interface SimpleDownloadOptions {
  tmpDir: string;
  label: string;
  /** --insecure-options=tls. */
  insecureTls: boolean;
  progress: (text: string) => void;
  log?: (text: string) => void;
  tty: boolean;
}

/**
 * The simple form for callers without rkt's context (the stage1 image download): TLS
 * checked against the system CA store unless --insecure-options=tls, no auth.d
 * credentials, http:// allowed as for a direct image URL.
 */
export async function download(url: string, opts: SimpleDownloadOptions): Promise<{ file: string; etag?: string; maxAge: number; done: () => void }> {
  const http = new HttpClient({ insecureTls: opts.insecureTls, auth: new Map() });
  let res: DownloadResult;
  try {
    res = await downloadFile(http, url, { ...opts, allowHttp: true });
  } catch (err) {
    throw new RktError(`error downloading ${(err as Error).message}`, { cause: err });
  }
  if (res.kind !== "file") throw new RktError(`error downloading ${url}: bad HTTP status code: ${res.kind === "deferred" ? 202 : 304}`);
  return res;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** rkt's getMaxAge: the max-age directive in seconds, 0 for no-store/no-cache or none. */
export function parseMaxAge(header: string | undefined): number {
  if (!header) return 0;
  let maxAge = 0;
  for (const part of header.split(",")) {
    const [attr = "", val = ""] = part.trim().split("=", 2);
    const name = attr.toLowerCase();
    if (name === "no-store" || name === "no-cache") return 0;
    if (name === "max-age" && /^\d+$/.test(val)) maxAge = Number(val);
  }
  return maxAge;
}
