// Downloading a URL to a temporary file, with rkt's cache semantics: an ETag the store
// remembers is sent as If-None-Match (304 = the stored copy is current), Cache-Control
// max-age is reported so the caller can skip asking again while it is fresh, and 202
// Accepted means "come back later" (deferred signatures). A progress line on a terminal.
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RktError } from "../errors.js";
import { HttpClient } from "./http.js";
import { Progress } from "./progress.js";

export type DownloadResult =
  | { kind: "file"; file: string; etag?: string; maxAge: number }
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
}

export async function downloadFile(http: HttpClient, url: string, opts: DownloadOptions): Promise<DownloadResult> {
  const headers: Record<string, string> = {};
  if (opts.etag) headers["If-None-Match"] = opts.etag;
  const res = await http.get(url, { headers, allowHttp: opts.allowHttp });
  const maxAge = parseMaxAge(headerValue(res.headers["cache-control"]));
  const etag = headerValue(res.headers.etag);
  if (res.status === 304 && opts.etag) {
    res.body.resume();
    return { kind: "not-modified", etag: etag ?? opts.etag, maxAge };
  }
  if (res.status === 202) {
    res.body.resume();
    return { kind: "deferred" };
  }
  if (res.status !== 200) {
    res.body.resume();
    throw new RktError(`${url}: bad HTTP status code: ${res.status}`);
  }
  mkdirSync(opts.tmpDir, { recursive: true, mode: 0o750 });
  const file = join(opts.tmpDir, `dl-${randomBytes(8).toString("hex")}`);
  const total = Number(res.headers["content-length"]) || undefined;
  const progress = new Progress(opts.label, total, opts.progress, opts.tty);
  let done = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      done += chunk.length;
      progress.update(done);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res.body, counter, createWriteStream(file, { mode: 0o640 }));
  } catch (err) {
    rmSync(file, { force: true });
    throw new RktError(`${url}: ${(err as Error).message}`);
  }
  progress.finish(done);
  if (total !== undefined && done !== total) {
    rmSync(file, { force: true });
    throw new RktError(`${url}: the download stopped after ${done} of ${total} bytes`);
  }
  return { kind: "file", file, etag, maxAge };
}

export interface SimpleDownloadOptions {
  tmpDir: string;
  label: string;
  etag?: string;
  progress: (text: string) => void;
  tty: boolean;
}

/**
 * The simple form for callers without rkt's context (the stage1 image download): TLS
 * checked against the system CA store, no auth.d credentials, http:// allowed as for a
 * direct image URL. `file` is undefined when the server said 304.
 */
export async function download(url: string, opts: SimpleDownloadOptions): Promise<{ file?: string; etag?: string; maxAge: number }> {
  const http = new HttpClient({ insecureTls: false, auth: new Map() });
  let res: DownloadResult;
  try {
    res = await downloadFile(http, url, { ...opts, allowHttp: true });
  } catch (err) {
    throw new RktError(`error downloading ${(err as Error).message}`, { cause: err });
  }
  if (res.kind === "deferred") throw new RktError(`error downloading ${url}: bad HTTP status code: 202`);
  return res.kind === "file" ? { file: res.file, etag: res.etag, maxAge: res.maxAge } : { etag: res.etag, maxAge: res.maxAge };
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
