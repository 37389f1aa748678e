// A pod's network namespace: a namespace bind-mounted at /var/run/netns/rkt-<uuid>, so it
// outlives every process (the pod's may be SIGKILLed) until gc deletes it. Node.js cannot
// unshare, so iproute2 makes it: `ip netns add` also makes /var/run/netns a shared mount,
// which lets the later unmount reach copies of it in other mount namespaces (running pods).
import { existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import { lastLine, runProcess } from "./proc.js";

export const NETNS_DIR = "/var/run/netns";

export class NetnsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetnsError";
  }
}

/** The namespace name of a pod (visible in `ip netns list`). */
export function podNetnsName(uuid: string): string {
  return `rkt-${uuid}`;
}

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

async function ip(args: string[]): Promise<void> {
  let r;
  try {
    r = await runProcess("ip", args);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new NetnsError("the ip command is not installed: install Debian's iproute2 package (apt-get install iproute2)");
    }
    throw err;
  }
  if (r.code !== 0) throw new NetnsError(`ip ${args.join(" ")}: ${lastLine(r.stderr) || `exit status ${r.code}`}`);
}

/** Makes the namespace with its loopback interface up; returns its path. */
export async function createNetns(name: string): Promise<string> {
  await ip(["netns", "add", name]);
  try {
    await ip(["-n", name, "link", "set", "lo", "up"]);
  } catch (err) {
    await deleteNetns(netnsPath(name)).catch(() => {});
    throw err;
  }
  return netnsPath(name);
}

/** Deletes a namespace made by createNetns; one that is already gone is fine. */
export async function deleteNetns(path: string): Promise<void> {
  if (dirname(path) !== NETNS_DIR) throw new NetnsError(`refusing to delete ${path}: not a namespace under ${NETNS_DIR}`);
  if (!existsSync(path)) return;
  try {
    await ip(["netns", "delete", basename(path)]);
  } catch (err) {
    // Deleted by someone else meanwhile: that is what we wanted.
    if (!existsSync(path)) return;
    throw err;
  }
}
