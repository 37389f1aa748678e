// The image configuration (OCI image-spec config.md; Docker's image JSON is the same shape
// for what we use): how to run the image, and the uncompressed digests of its layers.
import { digestProblem, type Digest } from "./digest.js";
import { Fields } from "./json-fields.js";
import { MAX_LAYERS } from "./manifest.js";

export interface RunConfig {
  User?: string;
  ExposedPorts?: string[];
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config: RunConfig;
  diffIds: Digest[];
}

export function parseImageConfig(bytes: Buffer, file: string, layerCount: number): ImageConfig {
  const f = new Fields(file);
  const o = f.parse(bytes);
  const cfg: ImageConfig = {
    architecture: f.string(o, "architecture", "architecture"),
    os: f.string(o, "os", "os"),
    config: {},
    diffIds: [],
  };
  const variant = f.optString(o, "variant", "variant");
  if (variant !== undefined) cfg.variant = variant;
  const created = f.optString(o, "created", "created");
  if (created !== undefined) cfg.created = created;
  const author = f.optString(o, "author", "author");
  if (author !== undefined) cfg.author = author;

  const rootfs = f.optObject(o, "rootfs", "rootfs") ?? f.fail("rootfs", "is missing");
  const type = f.string(rootfs, "type", "rootfs.type");
  if (type !== "layers") f.fail("rootfs.type", `must be "layers", not ${JSON.stringify(type)}`);
  cfg.diffIds = f.array(rootfs, "diff_ids", "rootfs.diff_ids", MAX_LAYERS).map((v, i) => {
    const p = digestProblem(v);
    if (p) f.fail(`rootfs.diff_ids[${i}]`, p);
    return v as Digest;
  });
  if (cfg.diffIds.length !== layerCount) {
    f.fail("rootfs.diff_ids", `lists ${cfg.diffIds.length} layers but the manifest has ${layerCount}`);
  }

  const c = f.optObject(o, "config", "config");
  if (c) {
    const rc = cfg.config;
    const user = f.optString(c, "User", "config.User");
    if (user !== undefined) rc.User = user;
    const ports = f.optKeys(c, "ExposedPorts", "config.ExposedPorts");
    if (ports) rc.ExposedPorts = ports;
    const env = f.optStrings(c, "Env", "config.Env");
    if (env) rc.Env = env;
    const entrypoint = f.optStrings(c, "Entrypoint", "config.Entrypoint");
    if (entrypoint) rc.Entrypoint = entrypoint;
    const cmd = f.optStrings(c, "Cmd", "config.Cmd");
    if (cmd) rc.Cmd = cmd;
    const volumes = f.optKeys(c, "Volumes", "config.Volumes");
    if (volumes) rc.Volumes = volumes;
    const wd = f.optString(c, "WorkingDir", "config.WorkingDir");
    if (wd !== undefined) rc.WorkingDir = wd;
    const labels = f.optStringMap(c, "Labels", "config.Labels");
    if (labels) rc.Labels = labels;
    const stop = f.optString(c, "StopSignal", "config.StopSignal");
    if (stop !== undefined) rc.StopSignal = stop;
  }
  return cfg;
}
