// Where --mount puts a volume, with rkt's semantics, on fly and nspawn: a relative target is
// taken from the app's root (symlinks and `..` resolved inside it), a volume mounted inside
// another one stays visible whatever the order they were given in, and of two mounts on the
// same path the app's own wins over a global one, the first given among each.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { Sandbox } from "./helpers/rkt.js";

const sb = new Sandbox("mounts");
let image: string;

beforeAll(async () => {
  const aci = buildAci(sb.path("mounts.aci"), {
    name: "example.com/mounts",
    version: "1.0",
    files: { "dir1/link_rel": { symlink: "../dir2" }, "dir2/.keep": "" },
  });
  const r = await sb.rkt(["--insecure-options=image", "fetch", "--full", aci]);
  expect(r.code).toBe(0);
  image = r.stdout.trim();
  for (const d of ["outer", "inner", "other"]) {
    mkdirSync(sb.path(d));
    writeFileSync(sb.path(d, "file"), `${d}\n`);
  }
});

afterAll(async () => {
  await cleanupPods(sb);
  sb.cleanup();
});

describe.each(["fly", "nspawn"])("--mount on %s", (flavor) => {
  const run = (args: string[]) => sb.rkt(["run", `--stage1-name=${flavor}`, ...args]);

  test("a relative target is inside the app's root, even with .. and symlinks", async () => {
    const vol = `--volume=v,kind=host,source=${sb.path("outer")}`;
    for (const [target, seen] of [
      ["dir3", "/dir3/file"],
      ["../../../../dir4", "/dir4/file"],
      ["dir1/link_rel/sub", "/dir2/sub/file"],
    ]) {
      const r = await run([vol, `--mount=volume=v,target=${target}`, image, ...sh(`cat ${seen}`)]);
      expect(r.stdout, `${target}: ${r.stderr}`).toBe("outer\n");
      expect(r.code).toBe(0);
    }
  });

  test("a volume mounted inside another one is seen, in whatever order they were given", async () => {
    const r = await run([
      `--volume=in,kind=host,source=${sb.path("inner")}`,
      `--volume=out,kind=host,source=${sb.path("outer")}`,
      "--mount=volume=in,target=/data/deep/er",
      "--mount=volume=out,target=/data",
      image,
      ...sh("cat /data/file /data/deep/er/file"),
    ]);
    expect(r.stdout, r.stderr).toBe("outer\ninner\n");
    // rkt created the inner mount point inside the outer volume.
    expect(readFileSync(sb.path("outer", "file"), "utf8")).toBe("outer\n");
  });

  test("two mounts on one path: the app's own wins, then the first given", async () => {
    const vols = [`--volume=a,kind=host,source=${sb.path("outer")}`, `--volume=b,kind=host,source=${sb.path("other")}`];
    const first = await run([...vols, "--mount=volume=a,target=/mnt", "--mount=volume=b,target=/mnt/", image, ...sh("cat /mnt/file")]);
    expect(first.stdout, first.stderr).toBe("outer\n");
    const own = await run([...vols, "--mount=volume=a,target=/mnt", image, "--mount=volume=b,target=/mnt", ...sh("cat /mnt/file")]);
    expect(own.stdout, own.stderr).toBe("other\n");
  });
});
