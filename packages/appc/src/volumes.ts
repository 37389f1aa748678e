// Pod volumes (appc schema/types/volume.go): `host` volumes bind a host directory, `empty`
// volumes are fresh directories owned by uid:gid with a mode. Also rkt's --volume and
// --mount flag syntax.
import type { Mount, Volume } from "@rkt/stage1-api";
import { expectObject, isAbsPath, member, optBool, optInt, optString, reqString } from "./check.js";
import { AppcError, fail, ManifestError } from "./errors.js";
import { checkName } from "./path-names.js";

export const EMPTY_VOLUME_DEFAULT_MODE = "0755";

/** Validates one volume object at `path`; returns its name. */
export function validateVolume(v: unknown, path: string): string {
  const o = expectObject(v, path, `a volume object {"name", "kind", ...}`);
  const name = reqString(o, "name", path);
  checkName("volume name", name.value, name.path);
  const kind = reqString(o, "kind", path, `"host" or "empty"`);
  const source = optString(o, "source", path);
  optBool(o, "readOnly", path);
  optBool(o, "recursive", path);
  const mode = optString(o, "mode", path);
  const uid = optInt(o, "uid", path, 0);
  const gid = optInt(o, "gid", path, 0);
  switch (kind.value) {
    case "host":
      if (source.value === undefined || source.value === "") fail(source.path, "source for host volume cannot be empty");
      if (!isAbsPath(source.value)) fail(source.path, `source for host volume must be absolute path, got ${JSON.stringify(source.value)}`);
      if (mode.value !== undefined) fail(mode.path, "mode for host volume cannot be set");
      if (uid.value !== undefined) fail(uid.path, "uid for host volume cannot be set");
      if (gid.value !== undefined) fail(gid.path, "gid for host volume cannot be set");
      break;
    case "empty":
      if (source.value !== undefined && source.value !== "") fail(source.path, "source for empty volume must be empty");
      if (mode.value !== undefined && !/^0?[0-7]{3,4}$/.test(mode.value)) {
        fail(mode.path, `bad mode ${JSON.stringify(mode.value)} for empty volume: must be an octal string such as "0755"`);
      }
      break;
    default:
      fail(kind.path, `unrecognized volume kind ${JSON.stringify(kind.value)}: should be one of "empty", "host"`);
  }
  return name.value;
}

/** Validates a mount (`{volume, path, appVolume?}`) at `path`. */
export function validateMount(v: unknown, path: string): { volume: string; path: string; hasAppVolume: boolean } {
  const o = expectObject(v, path, `a mount object {"volume", "path"}`);
  const volume = reqString(o, "volume", path);
  checkName("volume name", volume.value, volume.path);
  const target = reqString(o, "path", path);
  const av = member(o, "appVolume", path);
  if (av.value !== undefined) validateVolume(av.value, av.path);
  return { volume: volume.value, path: target.value, hasAppVolume: av.value !== undefined };
}

function splitFlagParams(s: string, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw new AppcError(`malformed ${flag} ${JSON.stringify(s)}: ${JSON.stringify(part)} has no value`);
    const key = part.slice(0, eq);
    if (out.has(key)) throw new AppcError(`malformed ${flag} ${JSON.stringify(s)}: ${key} given more than once`);
    out.set(key, part.slice(eq + 1));
  }
  return out;
}

function flagBool(s: string, key: string): boolean {
  // Go's strconv.ParseBool
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  throw new AppcError(`invalid ${key} value ${JSON.stringify(s)}: must be true or false`);
}

function flagInt(s: string, key: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new AppcError(`invalid ${key} value ${JSON.stringify(s)}: must be an integer`);
  return Number.parseInt(s, 10);
}

/**
 * `--volume=NAME,kind=host,source=PATH[,readOnly=BOOL][,recursive=BOOL]` or
 * `NAME,kind=empty[,mode=0755][,uid=0][,gid=0][,readOnly=BOOL]` (appc VolumeFromString):
 * an `empty` volume gets mode 0755 and uid/gid 0 unless given.
 */
export function volumeFromFlag(s: string): Volume {
  const params = splitFlagParams(`name=${s}`, "--volume");
  const vol: Record<string, unknown> = {};
  for (const [key, val] of params) {
    switch (key) {
      case "name":
      case "kind":
      case "source":
      case "mode":
        vol[key] = val;
        break;
      case "readOnly":
      case "recursive":
        vol[key] = flagBool(val, key);
        break;
      case "uid":
      case "gid":
        vol[key] = flagInt(val, key);
        break;
      default:
        throw new AppcError(`unknown volume parameter ${JSON.stringify(key)}`);
    }
  }
  // The name first: it becomes <pod>/sharedVolumes/<name>.
  checkName("volume name", vol["name"] as string, "--volume");
  if (vol["kind"] === "empty") {
    vol["mode"] ??= EMPTY_VOLUME_DEFAULT_MODE;
    vol["uid"] ??= 0;
    vol["gid"] ??= 0;
  }
  try {
    validateVolume(vol, "");
  } catch (err) {
    if (err instanceof ManifestError) {
      throw new AppcError(`invalid value in --volume flag ${JSON.stringify(s)}: ${err.field ? `${err.field}: ` : ""}${err.problem}`);
    }
    throw err;
  }
  return vol as unknown as Volume;
}

/** `--mount volume=NAME,target=PATH` as a pod manifest mount. */
export function mountFromFlag(s: string): Mount {
  const params = splitFlagParams(s, "--mount");
  let volume: string | undefined;
  let target: string | undefined;
  for (const [key, val] of params) {
    if (key === "volume") volume = val;
    else if (key === "target") target = val;
    else throw new AppcError(`unknown mount parameter ${JSON.stringify(key)}`);
  }
  if (volume === undefined || volume === "") throw new AppcError(`missing volume= in --mount flag ${JSON.stringify(s)}`);
  if (target === undefined || target === "") throw new AppcError(`missing target= in --mount flag ${JSON.stringify(s)}`);
  checkName("volume name", volume, "--mount");
  return { volume, path: target };
}
