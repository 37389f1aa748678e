// Content digests (`sha256:<64 hex>`), as the OCI image spec and the registry API use them.
// Only sha256 is accepted: it is what every registry and tool writes, and what the store
// addresses blobs by. sha512 digests are valid OCI but rare; they are refused with a clear
// message rather than half supported.
import { createHash } from "node:crypto";
import { OciError } from "./errors.js";

const SHA256 = /^sha256:([a-f0-9]{64})$/;

export type Digest = `sha256:${string}`;

/** Why `s` is not a digest this implementation handles, or undefined. */
export function digestProblem(s: unknown): string | undefined {
  if (typeof s !== "string") return "must be a string (sha256:<64 hex digits>)";
  if (SHA256.test(s)) return undefined;
  const algo = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):/.exec(s)?.[1];
  if (algo && algo !== "sha256") return `unsupported digest algorithm ${JSON.stringify(algo)} in ${JSON.stringify(s)} (only sha256)`;
  return `${JSON.stringify(s)} is not a digest (sha256:<64 lower-case hex digits>)`;
}

export function isDigest(s: unknown): s is Digest {
  return typeof s === "string" && SHA256.test(s);
}

export function parseDigest(s: string): Digest {
  const p = digestProblem(s);
  if (p) throw new OciError(p);
  return s as Digest;
}

/** The 64 hex digits of a digest. */
export function digestHex(d: Digest): string {
  return d.slice("sha256:".length);
}

export function sha256Digest(data: Buffer | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** `sha256:` and the first 12 hex digits, for progress lines and messages. */
export function shortDigest(d: Digest): string {
  return d.slice(0, "sha256:".length + 12);
}
