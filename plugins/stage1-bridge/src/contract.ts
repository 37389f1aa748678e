// rkt's stage1 image contract, as stage0 applied it (rkt 1.30 stage0/run.go, enter.go,
// stop.go, gc.go): which entrypoint each command runs and with which arguments for each
// interface version. Pure functions, so every version's argv is tested without a pod.
import type { ImageManifest, RuntimeOptions } from "@rkt/stage1-api";
import { annotation, pathComponentProblem, Stage1Error, STAGE1_IMAGE_ANNOTATIONS } from "@rkt/stage1-api";

export type Entrypoint = "run" | "enter" | "gc" | "stop";

/**
 * The path of an entrypoint inside the stage1 root, as its components (`/init` is ["init"]);
 * rkt's error when the annotation is missing. A path that would leave the stage1 root
 * (`../../bin/sh`) is refused: the image names a program of its own, never a host one.
 */
export function entrypoint(manifest: ImageManifest, which: Entrypoint): string[] {
  const name = STAGE1_IMAGE_ANNOTATIONS[which];
  const value = annotation(manifest, name);
  if (value !== undefined && value !== "") {
    const parts = value.split("/").filter((c) => c !== "");
    const bad = parts.map(pathComponentProblem).find((p) => p !== undefined);
    if (parts.length === 0 || bad !== undefined) {
      throw new Stage1Error(
        `stage1 image annotation ${name}: ${JSON.stringify(value)} is not a path inside the stage1 root (${bad ?? "it names the root itself"}); use a path such as "/init"`,
      );
    }
    return parts;
  }
  const missing = `entrypoint ${JSON.stringify(name)} not found`;
  // rkt stop words its error differently from the others (stage0/stop.go).
  if (which === "stop") throw new Stage1Error(`rkt stop not implemented for pod's stage1: ${missing}`);
  throw new Stage1Error(`error determining '${which}' entrypoint: ${missing}`);
}

/** rkt's interfaceVersionSupports* predicates, one per feature. */
export const supports = {
  hostname: (v: number): boolean => v > 1,
  insecureOptions: (v: number): boolean => v > 2,
  dnsConfMode: (v: number): boolean => v > 3,
  gcLocalConfig: (v: number): boolean => v >= 5,
  ipcMode: (v: number): boolean => v >= 6,
};

export interface RunArgv {
  /** Arguments after argv[0]. */
  args: string[];
  /** rkt's warnings for options this interface version cannot take. */
  warnings: string[];
}

/**
 * The run entrypoint's arguments, in rkt's order: [--debug] --net=LIST [--interactive]
 * --local-config=DIR [--hostname=H] [--dns-conf-mode=...] [--disable-*] [--ipc=MODE] UUID.
 * --mds-token=TOKEN for a pod registered with the metadata service (the stage1 image sets
 * AC_METADATA_URL from its own network, as rkt's did). (--private-users and --mutable:
 * rkt-ts has no user namespaces or mutable pods yet, so they are never passed.)
 */
export function runArgs(version: number, uuid: string, o: RuntimeOptions): RunArgv {
  const args: string[] = [];
  const warnings: string[] = [];
  if (o.debug) args.push("--debug");
  const nets = o.net.length > 0 ? o.net : [{ name: "default" }];
  args.push(`--net=${nets.map((n) => (n.args ? `${n.name}:${n.args}` : n.name)).join(",")}`);
  if (o.interactive) args.push("--interactive");
  if (o.metadataService) args.push(`--mds-token=${o.metadataService.token}`);
  args.push(`--local-config=${o.localConfigDir}`);
  if (o.hostname !== undefined && o.hostname !== "") {
    if (supports.hostname(version)) args.push(`--hostname=${o.hostname}`);
    else warnings.push("warning: --hostname option is not supported by stage1");
  }
  if (o.dns.resolv !== "default" || o.dns.hosts !== "default") {
    if (supports.dnsConfMode(version)) args.push(`--dns-conf-mode=resolv=${o.dns.resolv},hosts=${o.dns.hosts}`);
    else warnings.push("warning: --dns-conf-mode option not supported by stage1");
  }
  if (supports.insecureOptions(version)) {
    if (o.insecure.capabilities) args.push("--disable-capabilities-restriction");
    if (o.insecure.paths) args.push("--disable-paths");
    if (o.insecure.seccomp) args.push("--disable-seccomp");
  }
  if (o.ipc !== "auto") {
    if (supports.ipcMode(version)) args.push(`--ipc=${o.ipc}`);
    else warnings.push("warning: --ipc option is not supported by stage1");
  }
  args.push(uuid);
  return { args, warnings };
}

/** enter: --pid=PID --appname=APP -- CMD [ARGS...] (the same at every version). */
export function enterArgs(pid: number, app: string, command: string[]): string[] {
  return [`--pid=${pid}`, `--appname=${app}`, "--", ...command];
}

/** stop: [--force] UUID. */
export function stopArgs(force: boolean, uuid: string): string[] {
  return [...(force ? ["--force"] : []), uuid];
}

/** gc: [--debug] [--local-config DIR] UUID; --local-config and its value are two words, from version 5. */
export function gcArgs(version: number, debug: boolean, localConfigDir: string, uuid: string): string[] {
  return [...(debug ? ["--debug"] : []), ...(supports.gcLocalConfig(version) ? ["--local-config", localConfigDir] : []), uuid];
}
