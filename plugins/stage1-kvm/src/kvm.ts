// rkt's kvm flavor: each pod in a virtual machine of its own. Process picture of a running pod:
//
//   caller ─ rkt-isolation vm (rkt's PID: holds the pod lock; its pid in <pod>/pid)
//              └─ qemu-system-x86_64 (own process group; dies with its parent)
//                   guest: vm-guest (PID 1) ─ rkt-isolation init ─ app, app, ...
//
// The pod's files reach the guest over 9p (the stage1 root, with the apps' overlays and
// volumes mounted in the supervisor's private mount namespace); the apps run under the same
// pod init as the nspawn flavor; output, stdin, rkt enter and rkt stop cross one
// virtio-serial channel (packages/isolation/native/vm.h). docs/stage1-kvm.md has the whole
// picture.
import { helperPath, SpecBuilder, writeSpec } from "@rkt/isolation";
import type { EnterRequest, GcRequest, LaunchPlan, Logger, PodContext, PrepareRequest, RunRequest, Stage1, StopRequest } from "@rkt/stage1-api";
import { appEnvFile, podLayout, Stage1Error, writeAppEnv } from "@rkt/stage1-api";
import {
  appSpecPath,
  checkInteractive,
  createEmptyVolumes,
  enterEnvironment,
  enterSpec,
  etcBinds,
  hostPath,
  imageHasHosts,
  podHostname,
  podInitReady,
  podInitSpec,
  resolveIsolatedApp,
  sendSignal,
  type IsolatedApp,
} from "@rkt/stage1-kit";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { isatty } from "node:tty";
import { chooseAccel } from "./accel.js";
import { appSpec } from "./app-spec.js";
import { loadConfig } from "./config.js";
import { hostResolvConf, writeEtcFiles } from "./etc-files.js";
import { guestInitramfs } from "./initramfs.js";
import { guestKernel } from "./kernel.js";
import { HOST_FILES, IN_GUEST, layoutStage1Root } from "./layout.js";
import { vmNetwork, type VmNetwork } from "./network.js";
import { alive, findQemu, podQemuPid, sleep, waitGone } from "./processes.js";
import { hostTscKhz, kernelCmdline, qemuArgv } from "./qemu.js";
import { vmCpus, vmMemoryMiB } from "./resources.js";
import { wireTaps } from "./taps.js";
import { guestSpec, hostSpec, vmSpec, type PodStdio } from "./specs.js";

/** What `rkt status` shows as hypervisor=... (the stage1-api's <pod>/hypervisor file). */
export function hypervisorName(accel: "kvm" | "tcg"): string {
  return `qemu-${accel}`;
}

/** As the nspawn flavor: host volumes are bound recursively unless they say recursive=false. */
const RECURSIVE_BY_DEFAULT = true;

function podStdio(interactive: boolean): PodStdio {
  if (!interactive) return { kind: "null" };
  if (isatty(0) && isatty(1)) return { kind: "tty", rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80 };
  return { kind: "pipe" };
}

export class KvmStage1 implements Stage1 {
  constructor(private readonly logger: Logger) {}

  async prepare(req: PrepareRequest): Promise<void> {
    layoutStage1Root(req.pod.stage1Root);
  }

  async run(req: RunRequest): Promise<LaunchPlan> {
    const { pod, options } = req;
    const s1 = pod.stage1Root;
    if (!existsSync(hostPath(s1, IN_GUEST.inaccessibleFile))) layoutStage1Root(s1);
    checkInteractive(pod, options.interactive);
    const cfg = loadConfig(options.localConfigDir);
    const hostname = podHostname(pod, options.hostname);
    const wanted = vmNetwork(options, this.logger);

    const apps: IsolatedApp[] = pod.apps.map((ctx) => resolveIsolatedApp(pod, ctx, { recursiveByDefault: RECURSIVE_BY_DEFAULT, insecure: options.insecure, metadataUrl: options.metadataService?.url }));

    const qemuPath = findQemu(cfg.qemu);
    const kernel = guestKernel(cfg);
    const initramfs = guestInitramfs({ cacheDir: cfg.cacheDir, helper: helperPath(), ...(kernel.modulesDir ? { modulesDir: kernel.modulesDir } : {}) });
    const accel = chooseAccel(cfg.accel);
    const memoryMiB = vmMemoryMiB(apps.map((a) => a.isolation));
    const cpus = vmCpus(apps.map((a) => a.isolation), availableParallelism());
    this.logger.debug(`hypervisor ${hypervisorName(accel.accel)} (${accel.reason}); ${cpus} vCPU, ${memoryMiB} MiB`);
    this.logger.debug(`guest kernel ${kernel.source}${kernel.pvh ? ` (booted as ${kernel.boot})` : " (no PVH vmlinux inside: booted as is, slowly)"}; initramfs ${initramfs}`);
    if (accel.accel === "tcg" && cpus > 1) this.logger.debug(`${cpus} vCPUs under TCG emulation: slower than one, and the probe saw such guests hang`);

    const network: VmNetwork = wanted.kind === "tap" ? { kind: "tap", netnsPath: wanted.netnsPath, nics: wireTaps(wanted.netnsPath, wanted.interfaces) } : wanted;
    if (network.kind === "tap") this.logger.debug(`network: ${network.nics.map((n) => `${n.ifName} (${n.mac}) -> ${n.tap}`).join(", ")} in ${network.netnsPath}`);
    const stdio = podStdio(options.interactive);
    writeEtcFiles(s1, options.dns, hostname);
    const names = apps.map((a) => a.app.name);
    const hostApps = apps.map(({ app, isolation }) => {
      createEmptyVolumes(app.mounts);
      writeAppEnv(s1, app.name, app.env);
      writeSpec(hostPath(s1, appSpecPath(app.name)), appSpec({ app, isolation, interactive: options.interactive, insecurePaths: options.insecure.paths }));
      return { app, etc: etcBinds(s1, options.dns, imageHasHosts(app.context), hostResolvConf(s1)) };
    });
    writeSpec(hostPath(s1, IN_GUEST.podSpec), podInitSpec(new SpecBuilder(), names, { stopTimeoutSeconds: cfg.stopTimeout }));
    writeSpec(hostPath(s1, IN_GUEST.guestSpec), guestSpec(hostname, network, stdio));

    const kvmDir = join(pod.dir, HOST_FILES.dir);
    rmSync(kvmDir, { recursive: true, force: true });
    mkdirSync(kvmDir, { mode: 0o700 });
    const argv = qemuArgv({
      uuid: pod.uuid,
      accel: accel.accel,
      cpus,
      memoryMiB,
      kernel: kernel.boot,
      initramfs,
      cmdline: kernelCmdline({ accel: accel.accel, tscKhz: hostTscKhz(), verbose: options.debug }),
      share: s1,
      network,
    });
    writeSpec(join(pod.dir, HOST_FILES.podSpec), hostSpec({ pod, apps: hostApps, lockFd: req.lockFd, qemu: { path: qemuPath, argv } }));
    writeSpec(
      join(pod.dir, HOST_FILES.vmSpec),
      vmSpec({
        pod,
        bootTimeout: cfg.bootTimeout,
        stopTimeout: cfg.stopTimeout,
        stdio,
        debug: options.debug,
        ...(network.kind === "tap" ? { netnsPath: network.netnsPath } : {}),
      }),
    );
    writeFileSync(join(pod.dir, podLayout.hypervisor), `${hypervisorName(accel.accel)}\n`);
    this.logger.debug(`pod ${pod.uuid}: ${names.length} app(s); ${qemuPath} ${argv.slice(1).join(" ")}`);
    return { path: helperPath(), argv: ["rkt-isolation", "vm", join(pod.dir, HOST_FILES.vmSpec)], env: {}, cwd: pod.dir, keepFds: [req.lockFd] };
  }

  async enter(req: EnterRequest): Promise<LaunchPlan> {
    const { pod } = req;
    if (!pod.apps.some((a) => a.name === req.app)) throw new Stage1Error(`pod ${pod.uuid} has no app named ${JSON.stringify(req.app)}`);
    await this.waitReady(pod, req.pid);
    // The pod init in the VM spawns the command with the app's confinement, in /, with the
    // app's environment (rkt's enter) and the caller's TERM; its stdio are relayed.
    const env = enterEnvironment(pod.stage1Root, req.app, req.callerEnv, () => {
      throw new Stage1Error(`pod ${pod.uuid}: the environment of app ${req.app} is missing (${appEnvFile(pod.stage1Root, req.app)})`);
    });
    const file = join(pod.dir, HOST_FILES.dir, `enter-${process.pid}.spec`);
    writeSpec(file, enterSpec(new SpecBuilder(), { controlSocket: join(pod.dir, HOST_FILES.controlSocket), app: req.app, env, command: req.command, passFds: false }));
    return { path: helperPath(), argv: ["rkt-isolation", "ctl-enter", "--remove-spec", file], env: {}, cwd: pod.dir };
  }

  /** Waits until the guest has started the apps (it makes the ready link through the share). */
  private async waitReady(pod: PodContext, supervisor: number): Promise<void> {
    const end = Date.now() + 120_000;
    for (;;) {
      if (podInitReady(pod.stage1Root)) return;
      if (!alive(supervisor)) throw new Stage1Error(`pod ${pod.uuid} is not running`);
      if (Date.now() > end) throw new Stage1Error(`pod ${pod.uuid} is not ready: its VM has not started the apps (is it still booting, or stopping?)`);
      await sleep(50);
    }
  }

  async stop(req: StopRequest): Promise<void> {
    const { pod } = req;
    if (req.force) {
      // QEMU dies at once; the supervisor then ends the pod (exit code 137).
      const qemu = podQemuPid(pod);
      if (sendSignal(qemu, "SIGKILL")) return;
      if (sendSignal(req.pid, "SIGKILL")) return;
      throw new Stage1Error(`pod ${pod.uuid} has no running process to stop`);
    }
    // The supervisor asks the guest to stop: the pod init gives the apps SIGTERM, then
    // SIGKILL after the stop timeout, records their exit codes, and the VM powers off.
    if (!sendSignal(req.pid, "SIGTERM")) throw new Stage1Error(`pod ${pod.uuid} has no running process to stop`);
  }

  async gc(req: GcRequest): Promise<void> {
    const { pod } = req;
    // QEMU dies with its supervisor; should one have survived (its pid recorded, its command
    // line naming this pod), it goes now. Nothing else is killed.
    const qemu = podQemuPid(pod);
    if (qemu !== undefined) {
      this.logger.debug(`pod ${pod.uuid}: killing its QEMU, pid ${qemu}`);
      sendSignal(qemu, "SIGKILL");
      if (!(await waitGone(qemu, 5000))) throw new Stage1Error(`QEMU of pod ${pod.uuid} (pid ${qemu}) does not die; run gc again`);
    }
    // The control socket, console log, specs and pid files; the pod directory goes next.
    rmSync(join(pod.dir, HOST_FILES.dir), { recursive: true, force: true });
  }
}
