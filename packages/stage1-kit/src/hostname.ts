// The pod's hostname: --hostname, else rkt's rkt-<uuid>. Checked here, since systemd-nspawn or
// a guest's sethostname would refuse a bad one less clearly. As in rkt (and Linux), labels may
// hold underscores, which today's systemd refuses (systemdAccepts).
import type { PodContext } from "@rkt/stage1-api";
import { Stage1Error } from "@rkt/stage1-api";

const HOSTNAME = /^[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)*$/;

export function podHostname(pod: PodContext, requested: string | undefined): string {
  const name = requested ?? `rkt-${pod.uuid}`;
  if (name.length > 64 || !HOSTNAME.test(name)) {
    throw new Stage1Error(`--hostname=${JSON.stringify(name)} is not a valid hostname (letters, digits, '-', '_' and '.', at most 64 characters)`);
  }
  return name;
}

/** Whether systemd (systemd-nspawn --hostname) takes the name: not with an underscore. */
export function systemdAccepts(hostname: string): boolean {
  return !hostname.includes("_");
}
