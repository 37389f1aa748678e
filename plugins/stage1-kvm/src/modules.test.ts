import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { modinfo } from "./elf.js";
import { moduleName, resolveModules, stripSignature } from "./modules.js";
import { buildModule, signModule } from "./testing/elf-builder.js";

describe("resolveModules", () => {
  const dir = mkdtempSync(join(tmpdir(), "rkt-kvm-modules-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const put = (path: string, deps: string, signed = false): void => {
    mkdirSync(join(dir, "kernel", path, ".."), { recursive: true });
    const ko = buildModule({ license: "GPL", depends: deps, name: moduleName(path) });
    writeFileSync(join(dir, "kernel", path), signed ? signModule(ko) : ko);
  };
  put("drivers/virtio/virtio_ring.ko", "", true);
  put("drivers/virtio/virtio.ko", "virtio_ring");
  put("drivers/virtio/virtio_mmio.ko", "virtio,virtio_ring");
  put("net/9p/9pnet.ko", "");
  put("net/9p/9pnet_virtio.ko", "virtio,9pnet,virtio_ring");
  put("fs/9p/9p.ko", "9pnet,fscache");
  put("fs/fscache/fscache.ko", "netfs");
  put("fs/netfs/netfs.ko", "");
  put("drivers/char/virtio-console.ko", "virtio,virtio_ring"); // a dash in the file name
  writeFileSync(join(dir, "modules.builtin"), "kernel/fs/netfs/netfs.ko\n");

  test("dependencies come first, each module once, built-in ones skipped", () => {
    const names = resolveModules(dir, ["virtio_mmio", "9pnet_virtio", "9p", "virtio_console"]).map((m) => m.name);
    expect(names).toEqual(["virtio_ring", "virtio", "virtio_mmio", "9pnet", "9pnet_virtio", "fscache", "9p", "virtio_console"]);
  });

  test("signatures are stripped; the module itself is unchanged", () => {
    const [ring] = resolveModules(dir, ["virtio_ring"]);
    expect(ring!.data.includes(Buffer.from("~Module signature appended~"))).toBe(false);
    expect(modinfo(ring!.data).get("license")).toBe("GPL");
    const plain = buildModule({ a: "b" });
    expect(stripSignature(signModule(plain, 100)).equals(plain)).toBe(true);
    expect(stripSignature(plain).equals(plain)).toBe(true);
  });

  test("a missing module is a clear error", () => {
    expect(() => resolveModules(dir, ["virtio_net"])).toThrow(/has no module virtio_net in .* and does not have it built in/);
  });
});
