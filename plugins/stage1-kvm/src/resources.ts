// How big a pod's VM is. Memory: the apps' resource/memory limits (--memory) added up, an app
// without a limit counting DEFAULT_APP_MEMORY_MIB, plus VM_MEMORY_OVERHEAD_MIB for the guest
// kernel, its page tables and the initramfs (which stays in memory). vCPUs: the apps' CPU
// limits (--cpu) added up and rounded up; 1 when none is given (more vCPUs are slower under
// TCG and hung now and then in the probe), never more than the host has.
import type { AppIsolation } from "@rkt/stage1-kit";

export const VM_MEMORY_OVERHEAD_MIB = 64;
export const DEFAULT_APP_MEMORY_MIB = 192;
/** Below this the guest kernel cannot unpack its initramfs and start the init reliably. */
export const MIN_VM_MEMORY_MIB = 96;

const MIB = 1024n * 1024n;

export function vmMemoryMiB(apps: readonly Pick<AppIsolation, "memoryLimit">[]): number {
  let total = VM_MEMORY_OVERHEAD_MIB;
  for (const a of apps) total += a.memoryLimit !== undefined ? Number((a.memoryLimit + MIB - 1n) / MIB) : DEFAULT_APP_MEMORY_MIB;
  return Math.max(total, MIN_VM_MEMORY_MIB);
}

export function vmCpus(apps: readonly Pick<AppIsolation, "cpuLimitMilli">[], hostCpus: number): number {
  let milli = 0n;
  for (const a of apps) if (a.cpuLimitMilli !== undefined) milli += a.cpuLimitMilli;
  const want = Number((milli + 999n) / 1000n);
  return Math.min(Math.max(want, 1), Math.max(hostCpus, 1));
}
