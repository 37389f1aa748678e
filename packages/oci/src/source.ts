// Where image documents and blobs come from: a registry, an OCI layout directory, or a
// docker-save directory. stage0 drives every source the same way and stores what it gets.
import type { Digest } from "./digest.js";
import type { Descriptor } from "./manifest.js";

export interface FetchedDocument {
  bytes: Buffer;
  /** sha256 of `bytes` (already checked against any digest that named the document). */
  digest: Digest;
  /** What the source said the document is (HTTP Content-Type, descriptor mediaType). */
  mediaType: string | undefined;
  /** Names the document in messages. */
  file: string;
  /** Made up by the source (an OCI layout's selection of index.json): not a blob to store. */
  synthetic?: boolean;
}

/**
 * Where blob bytes go. The store's implementation hashes while it writes and renames the
 * file into place only when the digest matches; `offset` > 0 means a partial download is
 * being resumed.
 */
export interface BlobSink {
  readonly offset: number;
  /** Consumes `chunk` before returning (the caller may reuse the buffer). */
  write(chunk: Buffer): void;
  /** Forget what was written (the source cannot resume, it sends everything again). */
  reset(): void;
}

export type ProgressFn = (done: number) => void;

export interface ImageSource {
  /** `registry 127.0.0.1:5000`, `OCI layout /images/app`, ... */
  readonly label: string;
  /** The manifest or index the reference names. */
  resolve(): Promise<FetchedDocument>;
  /** A manifest or index that an index refers to. */
  manifest(desc: Descriptor): Promise<FetchedDocument>;
  /** A small blob (the image config) in memory, verified. */
  smallBlob(desc: Descriptor): Promise<FetchedDocument>;
  /** Copies a blob into `sink`, from `sink.offset` on when the source can resume. */
  blob(desc: Descriptor, sink: BlobSink, progress?: ProgressFn): Promise<void>;
  close(): Promise<void>;
}
