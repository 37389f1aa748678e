import { describe, expect, it } from "vitest";
import { formatDockerReference, manifestReference, parseDockerReference } from "./reference.js";

const D = "sha256:" + "ab".repeat(32);

describe("parseDockerReference (docker/distribution's grammar, rkt's defaults)", () => {
  it.each([
    ["busybox", { registry: "registry-1.docker.io", repository: "library/busybox", tag: "latest" }],
    ["busybox:1.36", { registry: "registry-1.docker.io", repository: "library/busybox", tag: "1.36" }],
    ["library/busybox", { registry: "registry-1.docker.io", repository: "library/busybox", tag: "latest" }],
    ["docker.io/busybox", { registry: "registry-1.docker.io", repository: "library/busybox", tag: "latest" }],
    ["index.docker.io/user/app:v1", { registry: "registry-1.docker.io", repository: "user/app", tag: "v1" }],
    ["user/app", { registry: "registry-1.docker.io", repository: "user/app", tag: "latest" }],
    ["quay.io/coreos/etcd:v3.5.0", { registry: "quay.io", repository: "coreos/etcd", tag: "v3.5.0" }],
    ["localhost/app", { registry: "localhost", repository: "app", tag: "latest" }],
    ["127.0.0.1:5000/a/b/c:t_1.x-y", { registry: "127.0.0.1:5000", repository: "a/b/c", tag: "t_1.x-y" }],
    ["[::1]:5000/app", { registry: "[::1]:5000", repository: "app", tag: "latest" }],
    [`busybox@${D}`, { registry: "registry-1.docker.io", repository: "library/busybox", digest: D }],
    [`host:5000/app:1.0@${D}`, { registry: "host:5000", repository: "app", tag: "1.0", digest: D }],
    ["my-registry.example/a__b/c.d", { registry: "my-registry.example", repository: "a__b/c.d", tag: "latest" }],
  ])("%s", (input, expected) => {
    expect(parseDockerReference(input)).toEqual(expected);
  });

  it.each([
    ["", "no repository name"],
    ["Busybox", "repository name must be lowercase"],
    ["host:5000/", "no repository name"],
    ["app:", "invalid tag"],
    ["app:-x", "invalid tag"],
    [`app@sha256:abc`, "is not a digest"],
    [`app@sha512:${"a".repeat(128)}`, 'unsupported digest algorithm "sha512"'],
    ["a/-b", "invalid repository path component"],
    ["host:99999/app", "invalid port"],
    ["bad_host.com/app", "invalid registry"],
  ])("rejects %j: %s", (input, message) => {
    expect(() => parseDockerReference(input)).toThrow(message);
  });

  it("formats back, and names the manifest by digest when pinned", () => {
    const r = parseDockerReference(`host:5000/app:1.0@${D}`);
    expect(formatDockerReference(r)).toBe(`host:5000/app:1.0@${D}`);
    expect(manifestReference(r)).toBe(D);
    expect(manifestReference(parseDockerReference("busybox"))).toBe("latest");
    expect(formatDockerReference(parseDockerReference("busybox"))).toBe("registry-1.docker.io/library/busybox:latest");
  });
});
