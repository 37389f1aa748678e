import { describe, expect, it } from "vitest";
import { parseImageConfig } from "./config.js";
import { OciFormatError } from "./errors.js";
import { parseManifest } from "./manifest.js";
import { MediaType } from "./media-types.js";

const d = (c: string): string => "sha256:" + c.repeat(64);
const desc = (c: string, mediaType = MediaType.ociLayerGzip) => ({ mediaType, digest: d(c), size: 10 });
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe("parseManifest", () => {
  it("reads an OCI image manifest and a Docker schema 2 manifest", () => {
    const oci = parseManifest(json({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: desc("a", MediaType.ociConfig), layers: [desc("b")] }), undefined, "m");
    expect(oci).toMatchObject({ kind: "manifest", mediaType: MediaType.ociManifest, layers: [{ digest: d("b"), size: 10 }] });
    const docker = parseManifest(json({ schemaVersion: 2, config: desc("a", MediaType.dockerConfig), layers: [] }), MediaType.dockerManifest, "m");
    expect(docker.mediaType).toBe(MediaType.dockerManifest);
  });

  it("reads indexes and manifest lists with platforms", () => {
    const list = parseManifest(
      json({ schemaVersion: 2, mediaType: MediaType.dockerManifestList, manifests: [{ ...desc("c", MediaType.dockerManifest), platform: { architecture: "arm", os: "linux", variant: "v7" } }] }),
      undefined,
      "l",
    );
    expect(list).toMatchObject({ kind: "index", manifests: [{ platform: { architecture: "arm", os: "linux", variant: "v7" } }] });
    // an index served without mediaType is recognized by its shape
    expect(parseManifest(json({ schemaVersion: 2, manifests: [] }), "application/octet-stream", "l").kind).toBe("index");
  });

  it.each([
    [{ schemaVersion: 1, name: "x", fsLayers: [] }, "", "schema 1 is not supported"],
    [{ schemaVersion: 3 }, "schemaVersion", "must be 2"],
    [{ schemaVersion: 2, layers: [] }, "config", "is missing"],
    [{ schemaVersion: 2, config: desc("a"), layers: {} }, "layers", "must be a JSON array"],
    [{ schemaVersion: 2, config: desc("a"), layers: [{ mediaType: "x", digest: "sha256:zz", size: 1 }] }, "layers[0].digest", "is not a digest"],
    [{ schemaVersion: 2, config: desc("a"), layers: [{ mediaType: "x", digest: d("a"), size: -1 }] }, "layers[0].size", "non-negative integer"],
    [{ schemaVersion: 2, config: desc("a"), layers: [{ digest: d("a"), size: 1 }] }, "layers[0].mediaType", "is missing"],
    [{ schemaVersion: 2, config: { ...desc("a"), annotations: { k: 1 } }, layers: [] }, "config.annotations.k", "must be a string"],
    [{ schemaVersion: 2, mediaType: "application/x-unknown", config: desc("a"), layers: [] }, "mediaType", "unsupported manifest media type"],
    [{ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [], layers: [] }, "", "must not have config or layers"],
    [{ schemaVersion: 2, config: desc("a"), layers: Array(501).fill(desc("b")) }, "layers", "at most 500"],
  ])("%j: field %j", (doc, field, message) => {
    let err: unknown;
    try {
      parseManifest(json(doc), undefined, "registry x: manifest");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message.startsWith("registry x: manifest: ")).toBe(true);
    if (field !== "") expect((err as OciFormatError).field).toBe(field);
  });

  it("rejects a document whose mediaType contradicts how it was served", () => {
    const body = json({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: desc("a"), layers: [] });
    expect(() => parseManifest(body, MediaType.ociIndex, "m")).toThrow(/served as "application\/vnd\.oci\.image\.index\.v1\+json"/);
  });

  it("rejects non-JSON and non-objects", () => {
    expect(() => parseManifest(Buffer.from("{"), undefined, "m")).toThrow("m: not valid JSON");
    expect(() => parseManifest(Buffer.from("[]"), undefined, "m")).toThrow("must be a JSON object");
  });
});

describe("parseImageConfig", () => {
  const cfg = (over: Record<string, unknown> = {}) =>
    json({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [d("1")] }, config: { Cmd: null, Entrypoint: ["/bin/sh"], Env: ["A=1"], ExposedPorts: { "80/tcp": {} } }, ...over });

  it("reads the run config; JSON null is absent", () => {
    const c = parseImageConfig(cfg(), "c", 1);
    expect(c.config).toEqual({ Entrypoint: ["/bin/sh"], Env: ["A=1"], ExposedPorts: ["80/tcp"] });
    expect(c.diffIds).toEqual([d("1")]);
  });

  it.each([
    [{ rootfs: { type: "layers", diff_ids: [] } }, "rootfs.diff_ids", "lists 0 layers but the manifest has 1"],
    [{ rootfs: { type: "tarball", diff_ids: [d("1")] } }, "rootfs.type", 'must be "layers"'],
    [{ os: 1 }, "os", "must be a string"],
    [{ config: { Env: ["A=1", 2] } }, "config.Env[1]", "must be a string"],
    [{ config: { Labels: { a: 1 } } }, "config.Labels.a", "must be a string"],
  ])("%j: field %s", (over, field, message) => {
    expect(() => parseImageConfig(cfg(over), "cfg", 1)).toThrow(`cfg: field "${field}": ${message}`);
  });
});
