// Downloading a URL to a temporary file, with a progress line on a terminal.
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RktError } from "../errors.js";
import { Progress } from "./progress.js";

export interface DownloadResult {
  /** The downloaded file, or undefined when the server said it did not change (304). */
  file?: string;
  etag?: string;
  maxAge: number;
}

export interface DownloadOptions {
  tmpDir: string;
  label: string;
  etag?: string;
  headers?: Record<string, string>;
  progress: (text: string) => void;
  tty: boolean;
}

export async function download(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.etag) headers["If-None-Match"] = opts.etag;
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: "follow" });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new RktError(`error downloading ${url}: ${cause ?? (err as Error).message}`);
  }
  const maxAge = parseMaxAge(res.headers.get("cache-control"));
  if (res.status === 304) return { etag: opts.etag, maxAge };
  if (!res.ok || !res.body) throw new RktError(`error downloading ${url}: bad HTTP status code: ${res.status}`);
  mkdirSync(opts.tmpDir, { recursive: true, mode: 0o750 });
  const file = join(opts.tmpDir, `dl-${randomBytes(8).toString("hex")}`);
  const total = Number(res.headers.get("content-length")) || undefined;
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
    await pipeline(Readable.fromWeb(res.body as never), counter, createWriteStream(file, { mode: 0o640 }));
  } catch (err) {
    rmSync(file, { force: true });
    throw new RktError(`error downloading ${url}: ${(err as Error).message}`);
  }
  progress.finish(done);
  if (total !== undefined && done !== total) {
    rmSync(file, { force: true });
    throw new RktError(`error downloading ${url}: got ${done} of ${total} bytes`);
  }
  return { file, etag: res.headers.get("etag") ?? undefined, maxAge };
}

function parseMaxAge(header: string | null): number {
  if (!header) return 0;
  if (/\bno-(cache|store)\b/.test(header)) return 0;
  const m = /\bmax-age=(\d+)/.exec(header);
  return m ? Number(m[1]) : 0;
}
