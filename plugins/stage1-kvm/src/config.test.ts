import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CONFIG_FILE, DEFAULT_BOOT_TIMEOUT, DEFAULT_CACHE_DIR, loadConfig } from "./config.js";

describe("loadConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "rkt-kvm-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("defaults without a file", () => {
    const c = loadConfig(join(dir, "none"), {});
    expect(c).toEqual({ accel: "auto", bootTimeout: DEFAULT_BOOT_TIMEOUT, stopTimeout: 10, cacheDir: DEFAULT_CACHE_DIR });
  });

  test("the file's settings, each overridden by its environment variable", () => {
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ kernel: "/k/vmlinuz-1", modules: null, accel: "tcg", bootTimeout: 5 }));
    expect(loadConfig(dir, {})).toMatchObject({ kernel: "/k/vmlinuz-1", modules: null, accel: "tcg", bootTimeout: 5 });
    expect(loadConfig(dir, { RKT_KVM_KERNEL: "/other", RKT_KVM_BOOT_TIMEOUT: "2.5", RKT_KVM_MODULES: "/m" })).toMatchObject({
      kernel: "/other",
      modules: "/m",
      bootTimeout: 2.5,
    });
  });

  test("errors name the file or the variable", () => {
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ kernal: "/k" }));
    expect(() => loadConfig(dir, {})).toThrow(/stage1-kvm.json: unknown setting kernal/);
    writeFileSync(join(dir, CONFIG_FILE), "{");
    expect(() => loadConfig(dir, {})).toThrow(/is not valid JSON/);
    writeFileSync(join(dir, CONFIG_FILE), "{}");
    expect(() => loadConfig(dir, { RKT_KVM_ACCEL: "fast" })).toThrow(/RKT_KVM_ACCEL: "fast" is not one of auto, kvm, tcg/);
    expect(() => loadConfig(dir, { RKT_KVM_BOOT_TIMEOUT: "0" })).toThrow(/RKT_KVM_BOOT_TIMEOUT: "0" is not a number of seconds/);
    expect(() => loadConfig(dir, { RKT_KVM_KERNEL: "relative/k" })).toThrow(/not an absolute path/);
  });
});
