// Building programs from rkt's own Go source (rkt's API client example, appc's ACE
// validator in rkt's vendor/) with Debian's Go in GOPATH mode, as rkt was built. Needs `go`
// and rkt's source as a git directory (RKT_SRC, as the rkt suite harness takes it).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const RKT_SRC = process.env.RKT_SRC ?? "/work/.mirror/rkt+rkt/repo/.git";

export const hasRktGo: boolean = (() => {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return existsSync(RKT_SRC);
  } catch {
    return false;
  }
})();

/** Extracts `paths` of rkt's tree into GOPATH/src/github.com/rkt/rkt; returns that directory. */
export function rktTree(gopath: string, paths: string[]): string {
  const tree = join(gopath, "src/github.com/rkt/rkt");
  mkdirSync(tree, { recursive: true });
  execFileSync("sh", ["-c", 'dest=$1; shift; git --git-dir="$0" archive HEAD "$@" | tar -x -C "$dest"', RKT_SRC, tree, ...paths]);
  return tree;
}

/**
 * go build -o OUT TARGET in DIR, GOPATH mode, static (it runs in an image without a libc);
 * the build cache outlives the test (it is only a cache).
 */
export function goBuild(gopath: string, dir: string, out: string, target: string): string {
  execFileSync("go", ["build", "-o", out, target], {
    cwd: dir,
    env: { ...process.env, GOPATH: gopath, GO111MODULE: "off", GOFLAGS: "", GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOCACHE: join(tmpdir(), "rkt-ts-test-gocache") },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return out;
}
