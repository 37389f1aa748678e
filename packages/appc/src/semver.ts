// acVersion is a semantic version (appc schema/types/semver.go, via coreos/go-semver):
// MAJOR.MINOR.PATCH, an optional -PRERELEASE and an optional +BUILD; 0.0.0 is not allowed.

const SEMVER =
  /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/**
 * Why `s` is not a semantic version in its canonical spelling (no "v", no spaces), or
 * undefined when it is one; 0.0.0 is fine here (a package may be 0.0.0).
 */
export function semverSyntaxProblem(s: string): string | undefined {
  return semverMatch(s).problem;
}

/** Why `s` is not a usable acVersion, or undefined when it is one. */
export function semverProblem(s: string): string | undefined {
  const { problem, m } = semverMatch(s);
  if (problem !== undefined || !m) return problem;
  if (m[1] === "0" && m[2] === "0" && m[3] === "0" && m[4] === undefined && m[5] === undefined) {
    return "SemVer cannot be zero";
  }
  return undefined;
}

function semverMatch(s: string): { problem?: string; m?: RegExpExecArray } {
  const m = SEMVER.exec(s);
  if (!m) return { problem: `${JSON.stringify(s)} is not a semantic version (expected MAJOR.MINOR.PATCH, e.g. 0.8.11)` };
  for (const id of m[4]?.split(".") ?? []) {
    if (/^[0-9]+$/.test(id) && id.length > 1 && id.startsWith("0")) {
      return { problem: `${JSON.stringify(s)} is not a semantic version (numeric pre-release identifier ${id} has a leading zero)` };
    }
  }
  return { m };
}

export function isSemVer(s: string): boolean {
  return semverProblem(s) === undefined;
}
