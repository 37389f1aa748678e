import { describe, expect, test } from "vitest";
import { DEFAULT_APP_MEMORY_MIB, MIN_VM_MEMORY_MIB, VM_MEMORY_OVERHEAD_MIB, vmCpus, vmMemoryMiB } from "./resources.js";

const MiB = 1024n * 1024n;

describe("VM size", () => {
  test("memory: the apps' limits plus the overhead; a default for apps without one", () => {
    expect(vmMemoryMiB([{}])).toBe(VM_MEMORY_OVERHEAD_MIB + DEFAULT_APP_MEMORY_MIB);
    expect(vmMemoryMiB([{ memoryLimit: 200n * MiB }])).toBe(264);
    expect(vmMemoryMiB([{ memoryLimit: 200n * MiB }, { memoryLimit: 100n * MiB + 1n }, {}])).toBe(64 + 200 + 101 + DEFAULT_APP_MEMORY_MIB);
    expect(vmMemoryMiB([{ memoryLimit: 1n * MiB }])).toBe(MIN_VM_MEMORY_MIB);
  });

  test("vCPUs: the CPU limits added up and rounded up, 1 by default, at most the host's", () => {
    expect(vmCpus([{}], 8)).toBe(1);
    expect(vmCpus([{ cpuLimitMilli: 500n }], 8)).toBe(1);
    expect(vmCpus([{ cpuLimitMilli: 1500n }, { cpuLimitMilli: 600n }], 8)).toBe(3);
    expect(vmCpus([{ cpuLimitMilli: 16000n }], 2)).toBe(2);
  });
});
