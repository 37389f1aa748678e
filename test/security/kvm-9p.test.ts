// Class 8 of the security audit: the kvm flavor's 9p file sharing. QEMU serves the pod's
// files to the guest as root with security_model=passthrough, so whatever the guest's root
// asked for used to become real on the host: a setuid-root binary or a block device node in
// a host volume is a host user's way to root. From inside a kvm pod (root, default
// capabilities) the app tries exactly that in a host volume, an empty volume and its own
// root; on the host none of it may exist as a setuid/setgid file or a device node, while
// the image's own files keep their owners and modes in the guest.
import { lstatSync, mkdirSync, readdirSync, readFileSync, chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "../fixtures/aci.js";
import { startPod, waitExited } from "../helpers/net.js";
import { cleanupPods } from "../helpers/nspawn.js";
import { Sandbox, waitUntil } from "../helpers/rkt.js";

const KERNEL_CACHE = "/var/cache/rkt/kvm/kernel";

/** Each probe's line: what the guest did and saw. */
const SCRIPT = [
  "for d in /hv /ev /; do",
  "  cp /bin/busybox $d/suid-probe; chmod 2755 $d/suid-probe; echo \"$d chmod-2755 rc=$?\"",
  "  chmod 4755 $d/suid-probe; echo \"$d chmod-4755 rc=$?\"",
  "  mknod $d/blk-probe b 8 0; echo \"$d mknod-block rc=$?\"",
  "  mknod $d/chr-probe c 1 1; echo \"$d mknod-char rc=$?\"",
  "done > /hv/result 2>&1",
  "stat -c '%n %u %g %a' /data/owned /bin/setuid-in-image >> /hv/result",
  "echo done >> /hv/result",
  "exec sleep 600",
].join("\n");

/** Every setuid/setgid file and device node under `dir` (not following links). */
function dangerous(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isBlockDevice() || st.isCharacterDevice()) out.push(`${p}: device node`);
      else if (st.isFile() && (st.mode & 0o6000) !== 0) out.push(`${p}: mode ${(st.mode & 0o7777).toString(8)}`);
      else if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe.skipIf(!existsSync(KERNEL_CACHE))("kvm: what the guest does over 9p never becomes a setuid file or a device node on the host", () => {
  const sb = new Sandbox("sec-kvm-9p");
  let img: string;

  beforeAll(() => {
    img = buildAci(sb.path("probe.aci"), {
      name: "example.com/ninep-probe",
      app: { exec: ["/bin/sh", "-c", SCRIPT], user: "0", group: "0" },
      files: {
        "data/owned": { content: "owned\n", uid: 1000, gid: 1000, mode: 0o640 },
        "bin/setuid-in-image": { content: "#!/bin/sh\n", uid: 0, gid: 0, mode: 0o4755 },
      },
    });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("setuid, setgid and device nodes in a host volume, an empty volume and the app's root", async () => {
    const hv = sb.path("host-volume");
    mkdirSync(hv, { recursive: true });
    chmodSync(hv, 0o777);
    const pod = await startPod(sb, [
      "--stage1-name=kvm",
      "--net=host",
      `--volume=hv,kind=host,source=${hv}`,
      "--volume=ev,kind=empty",
      img,
      "--mount=volume=hv,target=/hv",
      "--mount=volume=ev,target=/ev",
    ]);
    const podDir = join(sb.dataDir, "pods", "run", pod.uuid);
    try {
      await waitUntil(() => existsSync(join(hv, "result")) && readFileSync(join(hv, "result"), "utf8").endsWith("done\n"), 60_000, "the probe's results");
      const lines = readFileSync(join(hv, "result"), "utf8").split("\n");
      // On the host: nothing of the kind, anywhere the guest could write.
      expect(dangerous(hv)).toEqual([]);
      expect(dangerous(podDir)).toEqual([]);
      // In the guest: refused (EPERM from QEMU); the file itself was written.
      for (const d of ["/hv", "/ev", "/"]) {
        for (const op of ["chmod-4755", "chmod-2755", "mknod-block", "mknod-char"]) expect(lines).toContain(`${d} ${op} rc=1`);
      }
      expect(lines.filter((l) => /Operation not permitted$/.test(l))).toHaveLength(12);
      expect(lstatSync(join(hv, "suid-probe")).isFile()).toBe(true);
      // The image's files as rendered, with their owners and modes, setuid bit included.
      expect(lines).toContain("/data/owned 1000 1000 640");
      expect(lines).toContain("/bin/setuid-in-image 0 0 4755");
      // QEMU itself: root's file access only, no_new_privs, seccomp filters.
      const qemu = Number(readFileSync(join(podDir, "kvm", "qemu.pid"), "utf8"));
      const status = readFileSync(`/proc/${qemu}/status`, "utf8");
      expect(status).toMatch(/^CapBnd:\s+000000000000000f$/m); // CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
      expect(status).toMatch(/^Seccomp:\s+2$/m);
    } finally {
      await sb.rkt(["stop", "--force", pod.uuid]);
      await waitExited(sb, pod.uuid);
      await pod.done;
    }
  });
});
