// The `app` section of an image manifest, also used for `apps[].app` of a pod manifest
// (appc schema/types/app.go and the types it holds).
import {
  at,
  atIndex,
  expectInt,
  expectObject,
  expectStringList,
  isAbsPath,
  member,
  optArray,
  optBool,
  optString,
  optStringMap,
  reqString,
} from "./check.js";
import { envNameProblem } from "./env.js";
import { fail } from "./errors.js";
import { validateIsolators } from "./isolators.js";
import { checkName } from "./path-names.js";
import { validatePort, validatePortList } from "./ports.js";

const USER_HINT = "a user name, a UID, or an absolute path whose owner is used";
const GROUP_HINT = "a group name, a GID, or an absolute path whose group is used";

/** Validates an app section at `path` (`app` or `apps[0].app`). */
export function validateApp(v: unknown, path: string): void {
  const o = expectObject(v, path, "an app object");

  const exec = member(o, "exec", path);
  if (exec.value !== undefined) expectStringList(exec.value, exec.path);

  reqString(o, "user", path, USER_HINT);
  reqString(o, "group", path, GROUP_HINT);

  const gids = optArray(o, "supplementaryGIDs", path);
  gids.value?.forEach((g, i) => expectInt(g, atIndex(gids.path, i), 0, 4294967295));

  const handlers = optArray(o, "eventHandlers", path);
  const seenHandlers = new Set<string>();
  handlers.value?.forEach((h, i) => {
    const hp = atIndex(handlers.path, i);
    const ho = expectObject(h, hp, `an event handler object {"name", "exec"}`);
    const name = reqString(ho, "name", hp, `"pre-start" or "post-stop"`);
    if (name.value !== "pre-start" && name.value !== "post-stop") {
      fail(name.path, `bad eventHandler name ${JSON.stringify(name.value)} (must be "pre-start" or "post-stop")`);
    }
    if (seenHandlers.has(name.value)) fail(name.path, `only one eventHandler of name ${JSON.stringify(name.value)} allowed`);
    seenHandlers.add(name.value);
    const hexec = member(ho, "exec", hp);
    if (hexec.value === undefined) fail(hexec.path, "is required (the command to run)");
    const list = expectStringList(hexec.value, hexec.path);
    if (list.length === 0) fail(hexec.path, "must not be empty (the command to run)");
  });

  const wd = optString(o, "workingDirectory", path);
  if (wd.value !== undefined && wd.value !== "" && !isAbsPath(wd.value)) {
    fail(wd.path, `workingDirectory must be an absolute path, got ${JSON.stringify(wd.value)}`);
  }

  const env = optArray(o, "environment", path);
  const seenEnv = new Set<string>();
  env.value?.forEach((e, i) => {
    const ep = atIndex(env.path, i);
    const eo = expectObject(e, ep, `an environment variable object {"name", "value"}`);
    const name = optString(eo, "name", ep);
    const problem = envNameProblem(name.value ?? "");
    if (problem) fail(name.path, problem);
    const value = optString(eo, "value", ep);
    if (value.value === undefined) fail(at(ep, "value"), "is required (a string)");
    if (seenEnv.has(name.value!)) fail(name.path, `duplicate environment variable of name ${JSON.stringify(name.value)}`);
    seenEnv.add(name.value!);
  });

  const mps = optArray(o, "mountPoints", path);
  const seenMps = new Set<string>();
  mps.value?.forEach((m, i) => {
    const mp = atIndex(mps.path, i);
    const mo = expectObject(m, mp, `a mount point object {"name", "path"}`);
    const name = reqString(mo, "name", mp);
    checkName("mount point name", name.value, name.path);
    const p = reqString(mo, "path", mp);
    if (!isAbsPath(p.value)) fail(p.path, `mount point path must be absolute, got ${JSON.stringify(p.value)}`);
    optBool(mo, "readOnly", mp);
    if (seenMps.has(name.value)) fail(name.path, `duplicate mount point name ${JSON.stringify(name.value)}`);
    seenMps.add(name.value);
  });

  const ports = member(o, "ports", path);
  if (ports.value !== undefined) validatePortList(ports.value, ports.path, validatePort, true);

  const isolators = member(o, "isolators", path);
  if (isolators.value !== undefined) validateIsolators(isolators.value, isolators.path);

  optStringMap(o, "userAnnotations", path);
  optStringMap(o, "userLabels", path);
}
