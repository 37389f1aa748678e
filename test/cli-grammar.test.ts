// rkt's command-line grammar where Go's pflag allowed more than "flags, then images": flags
// between and after the images, rkt's deprecated --store-only/--no-store, and cat-manifest's
// --uuid-file with a stray argument. Scripts written for rkt rely on all of them.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { Sandbox } from "./helpers/rkt.js";

const sb = new Sandbox("cli-grammar");
const INSECURE = "--insecure-options=image";
let image: string;

function pods(): string[] {
  const dir = `${sb.dataDir}/pods`;
  return existsSync(dir) ? readdirSync(dir).flatMap((s) => readdirSync(`${dir}/${s}`)) : [];
}

beforeAll(() => {
  image = buildAci(sb.path("grammar.aci"), {
    name: "example.com/grammar",
    version: "1.0",
    app: { exec: ["/bin/sh", "-c", 'echo "K=$K"'], user: "0", group: "0" },
  });
});

afterAll(async () => {
  await sb.rkt(["gc", "--grace-period=0s", "--expire-prepared=0s"]);
  sb.cleanup();
});

describe("flags after the images", () => {
  test("rkt fetch IMAGE --full prints the full ID", async () => {
    const r = await sb.rkt([INSECURE, "fetch", image, "--full"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sha512-[0-9a-f]{64}\n$/);
  });

  test("a pod flag after the image applies to the pod, an app flag to the image before it", async () => {
    const r = await sb.rkt([INSECURE, "run", "--stage1-name=fly", image, "--set-env=K=pod", "--environment=K=app"]);
    expect(r.stdout).toBe("K=app\n");
    const pod = await sb.rkt([INSECURE, "run", "--stage1-name=fly", image, "--set-env=K=pod"]);
    expect(pod.stdout).toBe("K=pod\n");
    expect(pod.code).toBe(0);
  });

  test("a global flag after the image counts too", async () => {
    const r = await sb.rkt(["run", "--stage1-name=fly", image, INSECURE]);
    expect(r.stderr).toMatch(/warning: image signature verification has been disabled/);
    expect(r.code).toBe(0);
  });

  test("-- ARGS are still the app's, and fetch refuses them", async () => {
    const r = await sb.rkt([INSECURE, "run", "--stage1-name=fly", image, "--exec=/bin/echo", "--", "--set-env=x"]);
    expect(r.stdout).toBe("--set-env=x\n");
    const f = await sb.rkt([INSECURE, "fetch", image, "--", "x"]);
    expect(f.code).toBe(254);
    expect(f.stderr).toMatch(/app arguments \(-- \.\.\.\) are not allowed/);
  });
});

describe("--store-only and --no-store (rkt's older --pull-policy spellings)", () => {
  test("--store-only never downloads: a name not in the store fails, and says the flag is deprecated", async () => {
    const r = await sb.rkt([INSECURE, "fetch", "--store-only", "example.com/not-here:1.0"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/Flag --store-only has been deprecated, please use --pull-policy=never/);
    expect(r.stderr).toMatch(/unable to fetch image from image name example\.com\/not-here:1\.0/);
  });

  test("--store-only finds a stored image by name, in any position (even before the command)", async () => {
    await sb.rkt([INSECURE, "fetch", image]);
    const r = await sb.rkt([INSECURE, "--store-only", "--debug", "fetch", "example.com/grammar:1.0"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/using image from local store for image name example\.com\/grammar:1\.0/);
  });

  test("a file is always read, whatever the store flags", async () => {
    for (const flag of ["--store-only", "--no-store"]) {
      const r = await sb.rkt([INSECURE, "--debug", "fetch", flag, image]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/using image from file /);
    }
  });

  test("both at once is refused before anything is done", async () => {
    const before = pods().length;
    const r = await sb.rkt([INSECURE, "run", "--stage1-name=fly", "--store-only", "--no-store", image]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/both --store-only and --no-store specified/);
    expect(pods().length).toBe(before);
  });

  test("help does not list them", async () => {
    const r = await sb.rkt(["fetch", "--help"]);
    expect(r.stdout).toMatch(/--pull-policy/);
    expect(r.stdout).not.toMatch(/--store-only|--no-store/);
  });
});

describe("cat-manifest --uuid-file", () => {
  test("with --uuid-file, a stray argument is not looked at (as rkt)", async () => {
    const prep = await sb.rkt([INSECURE, "prepare", "--stage1-name=fly", image]);
    expect(prep.code).toBe(0);
    const uuidFile = sb.path("uuid");
    writeFileSync(uuidFile, prep.stdout.trim());
    const r = await sb.rkt(["cat-manifest", `--uuid-file=${uuidFile}`, "--pretty-print=false", "%!s(MISSING)"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).apps[0].name).toBe("grammar");
    expect(readFileSync(uuidFile, "utf8")).toBe(prep.stdout.trim());
  });

  test("without it, exactly one UUID", async () => {
    const r = await sb.rkt(["cat-manifest", "a", "b"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/exactly one pod UUID is required/);
  });
});
