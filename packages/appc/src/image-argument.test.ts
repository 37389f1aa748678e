import { describe, expect, it } from "vitest";
import { AppcError } from "./errors.js";
import { parseImageHash } from "./hash.js";
import { classifyImageArgument } from "./image-argument.js";
import { formatImageString, parseImageString } from "./image-string.js";

const HEX = "0123456789abcdef".repeat(8);

function fakeFs(...files: string[]) {
  const set = new Set(files);
  const asked: string[] = [];
  return {
    asked,
    opts: {
      fileExists: (p: string) => {
        asked.push(p);
        return set.has(p);
      },
    },
  };
}

describe("parseImageString (appc discovery App syntax)", () => {
  it("parses name, version and labels", () => {
    expect(parseImageString("example.com/app:1.0,os=linux,arch=amd64")).toEqual({
      name: "example.com/app",
      labels: { version: "1.0", os: "linux", arch: "amd64" },
    });
    expect(parseImageString("coreos.com/etcd")).toEqual({ name: "coreos.com/etcd", labels: {} });
    expect(parseImageString("example.com/reduce-worker,channel=alpha,label=value")).toEqual({
      name: "example.com/reduce-worker",
      labels: { channel: "alpha", label: "value" },
    });
    expect(parseImageString("busybox:latest").labels).toEqual({ version: "latest" });
    expect(parseImageString("example.com/app,version=v1+v2=x").labels).toEqual({ version: "v1+v2=x" });
  });

  it.each([
    ["example.com/app,os=linux:1.0", "colon may appear only right after the app name"],
    ["example.com/app:1.0:2", "colon may appear at most once"],
    ["example.com/app,linux", "has a label without a value: linux"],
    ["example.com/app:1.0,version=2", "label version with multiple values"],
    ["example.com/app,os=linux,os=darwin", "label os with multiple values"],
    ["Example.com/app", 'bad image name "Example.com/app"'],
    ["example.com/app,OS=linux", 'bad label name "OS"'],
    ["", "ACIdentifier cannot be empty"],
  ])("rejects %j", (s, message) => {
    expect(() => parseImageString(s)).toThrow(AppcError);
    expect(() => parseImageString(s)).toThrow(message);
  });

  it("formats back in version, os, arch, then sorted order", () => {
    expect(formatImageString({ name: "a.com/b", labels: { z: "1", arch: "amd64", version: "2", os: "linux" } })).toBe(
      "a.com/b,version=2,os=linux,arch=amd64,z=1",
    );
  });
});

describe("parseImageHash", () => {
  it("normalizes to a lower-case store-key prefix", () => {
    expect(parseImageHash("sha512-AB12")).toBe("sha512-ab12");
    expect(parseImageHash("sha512-" + HEX)).toBe("sha512-" + HEX.slice(0, 64));
    expect(parseImageHash("SHA512-0c45e8c0ab2")).toBe("sha512-0c45e8c0ab2");
    expect(parseImageHash("sha256-" + HEX.slice(0, 64).toUpperCase())).toBe("sha256-" + HEX.slice(0, 64));
  });

  it.each([
    ["sha512-a", "image ID too short"],
    ["sha512-", "image ID too short"],
    ["sha512-xyz", "must be sha512- followed by hex digits"],
    ["md5-abcd", "must start with sha512-"],
    ["sha256-" + HEX.slice(0, 65), "longer than a sha256 hash"],
    ["sha512-" + HEX + "0", "longer than a sha512 hash"],
  ])("rejects %s", (s, message) => {
    expect(() => parseImageHash(s)).toThrow(message);
  });
});

describe("classifyImageArgument (rkt's resolution order)", () => {
  it("sha512- is an image ID", () => {
    expect(classifyImageArgument("sha512-0C45e8", fakeFs().opts)).toEqual({ kind: "hash", id: "sha512-0c45e8" });
    expect(() => classifyImageArgument("sha512-0", fakeFs().opts)).toThrow("image ID too short");
  });

  it("sha256- is the ID of an OCI image", () => {
    expect(classifyImageArgument("sha256-0C45e8", fakeFs().opts)).toEqual({ kind: "hash", id: "sha256-0c45e8" });
  });

  it("file/http/https URLs of .aci archives", () => {
    expect(classifyImageArgument("https://example.com/app-1.0.aci", fakeFs().opts)).toEqual({
      kind: "url",
      url: "https://example.com/app-1.0.aci",
      scheme: "https",
    });
    expect(classifyImageArgument("http://example.com/x.aci?sig=1", fakeFs().opts)).toMatchObject({ kind: "url", scheme: "http" });
    expect(classifyImageArgument("file:///tmp/app.aci", fakeFs().opts)).toMatchObject({ kind: "url", scheme: "file" });
    expect(() => classifyImageArgument("https://example.com/app.tar", fakeFs().opts)).toThrow("https URLs must name an .aci archive");
  });

  it("docker:// and docker: refer to a registry image", () => {
    expect(classifyImageArgument("docker://busybox", fakeFs().opts)).toEqual({ kind: "docker", ref: "busybox" });
    expect(classifyImageArgument("docker:quay.io/coreos/etcd:v3.1", fakeFs().opts)).toEqual({ kind: "docker", ref: "quay.io/coreos/etcd:v3.1" });
    expect(classifyImageArgument("docker://localhost:5000/app@sha256:abc", fakeFs().opts)).toEqual({ kind: "docker", ref: "localhost:5000/app@sha256:abc" });
    expect(() => classifyImageArgument("docker://", fakeFs().opts)).toThrow("empty docker image reference");
  });

  it("oci:, oci-archive:, docker-archive: take a path and an optional reference", () => {
    expect(classifyImageArgument("oci:/srv/layout:latest", fakeFs().opts)).toEqual({ kind: "oci-layout", path: "/srv/layout", ref: "latest" });
    expect(classifyImageArgument("oci:./layout", fakeFs().opts)).toEqual({ kind: "oci-layout", path: "./layout" });
    expect(classifyImageArgument("oci-archive:img.tar", fakeFs().opts)).toEqual({ kind: "oci-archive", path: "img.tar" });
    expect(classifyImageArgument("docker-archive:/tmp/x.tar:busybox:1.36", fakeFs().opts)).toEqual({
      kind: "docker-archive",
      path: "/tmp/x.tar",
      ref: "busybox:1.36",
    });
    expect(() => classifyImageArgument("oci-archive:", fakeFs().opts)).toThrow("missing path after oci-archive:");
  });

  it("an absolute path is a file, without looking at the disk", () => {
    const fs = fakeFs();
    expect(classifyImageArgument("/tmp/app:1.0", fs.opts)).toEqual({ kind: "file", path: "/tmp/app:1.0" });
    expect(fs.asked).toEqual([]);
  });

  it("an existing regular file wins over the name heuristics", () => {
    const fs = fakeFs("coreos.com/etcd");
    expect(classifyImageArgument("coreos.com/etcd", fs.opts)).toEqual({ kind: "file", path: "coreos.com/etcd" });
    expect(fs.asked).toEqual(["coreos.com/etcd"]);
  });

  it("then a colon means a name, ./ means a path, .aci means a path, else a name", () => {
    const fs = fakeFs();
    expect(classifyImageArgument("example.com/app:1.0", fs.opts)).toEqual({ kind: "name", name: "example.com/app", labels: { version: "1.0" } });
    expect(classifyImageArgument("./app.aci", fs.opts)).toEqual({ kind: "file", path: "./app.aci" });
    expect(classifyImageArgument("../images/app", fs.opts)).toEqual({ kind: "file", path: "../images/app" });
    expect(classifyImageArgument("stage1-coreos.aci", fs.opts)).toEqual({ kind: "file", path: "stage1-coreos.aci" });
    expect(classifyImageArgument("coreos.com/rkt/stage1-coreos", fs.opts)).toEqual({
      kind: "name",
      name: "coreos.com/rkt/stage1-coreos",
      labels: {},
    });
    expect(classifyImageArgument("example.com/app,os=linux,arch=amd64", fs.opts)).toEqual({
      kind: "name",
      name: "example.com/app",
      labels: { os: "linux", arch: "amd64" },
    });
  });

  it("a bare word with a colon is an appc name (rkt reads busybox:1.0 as name + version)", () => {
    expect(classifyImageArgument("busybox:1.0", fakeFs().opts)).toEqual({ kind: "name", name: "busybox", labels: { version: "1.0" } });
  });

  it("reports bad names and unknown URL schemes", () => {
    expect(() => classifyImageArgument("Example.com/App", fakeFs().opts)).toThrow('invalid appc image string "Example.com/App"');
    expect(() => classifyImageArgument("ftp://example.com/a.aci", fakeFs().opts)).toThrow('unsupported URL scheme "ftp"');
    expect(() => classifyImageArgument("", fakeFs().opts)).toThrow("empty image string");
  });
});
