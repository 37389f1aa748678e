// The appc view of an OCI/Docker image, following docker2aci (rkt.md 4.9) so that pods,
// `rkt image cat-manifest` and `rkt list` treat these images like any other: the config's
// Entrypoint + Cmd become `exec`, User the user/group, Env, WorkingDir, ExposedPorts the
// ports (`80-tcp`), Volumes the mount points (`volume-var-data`), Labels the userLabels.
// The `appc.io/docker/repository` annotation switches on Docker semantics in the stage1s
// (volumes pre-filled from the image, a group named like the user falling back to its uid).
import { isValidEnvName, ManifestError, sanitizeACIdentifier, sanitizeACName, validateImageManifest, isACIdentifier } from "@rkt/appc";
import type { App, ImageManifest, MountPoint, NameValue, Port } from "@rkt/stage1-api";
import type { ImageConfig } from "./config.js";
import type { Digest } from "./digest.js";
import { OciError } from "./errors.js";
import { appcOsArch } from "./platform.js";

export interface AppcViewInput {
  /** `registry/repository` for registry images; the layout or archive name otherwise. */
  name: string;
  tag?: string;
  config: ImageConfig;
  configDigest: Digest;
  manifestDigest: Digest;
  manifestAnnotations?: Record<string, string>;
  /** The reference as the user wrote it (`docker://busybox`, `oci:/images/x:1.0`). */
  originalName: string;
  registry?: string;
  repository?: string;
  /** Names the source in errors. */
  file: string;
}

export interface AppcView {
  manifest: ImageManifest;
  /** Config entries that appc cannot express and were left out. */
  dropped: string[];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function userGroup(user: string | undefined): { user: string; group: string } {
  if (!user) return { user: "0", group: "0" };
  const colon = user.indexOf(":");
  if (colon < 0) return { user, group: user };
  return { user: user.slice(0, colon) || "0", group: user.slice(colon + 1) || "0" };
}

function environment(env: string[] | undefined, dropped: string[]): NameValue[] | undefined {
  if (!env) return undefined;
  const byName = new Map<string, string>();
  for (const line of env) {
    const eq = line.indexOf("=");
    const name = eq < 0 ? line : line.slice(0, eq);
    if (eq < 0 || !isValidEnvName(name)) {
      dropped.push(`Env ${JSON.stringify(line)}`);
      continue;
    }
    byName.delete(name); // Docker: the last definition wins
    byName.set(name, line.slice(eq + 1));
  }
  return [...byName].map(([name, value]) => ({ name, value }));
}

function ports(exposed: string[] | undefined, dropped: string[]): Port[] | undefined {
  if (!exposed) return undefined;
  const out: Port[] = [];
  for (const p of exposed) {
    const m = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(p);
    const port = m ? Number(m[1]) : 0;
    if (!m || port < 1 || port > 65535) {
      dropped.push(`ExposedPorts ${JSON.stringify(p)}`);
      continue;
    }
    const protocol = (m[2] ?? "tcp").toLowerCase();
    out.push({ name: `${port}-${protocol}`, protocol, port, count: 1, socketActivated: false });
  }
  return out;
}

function mountPoints(volumes: string[] | undefined, dropped: string[]): MountPoint[] | undefined {
  if (!volumes) return undefined;
  const out: MountPoint[] = [];
  const names = new Set<string>();
  for (const v of volumes) {
    if (!v.startsWith("/")) {
      dropped.push(`Volumes ${JSON.stringify(v)}`);
      continue;
    }
    const base = sanitizeACName(`volume-${v.replace(/^\/+|\/+$/g, "").replace(/\//g, "-")}`);
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base}-${i}`;
    names.add(name);
    out.push({ name, path: v, readOnly: false });
  }
  return out;
}

/** Builds and validates the synthesized ImageManifest. */
export function appcView(input: AppcViewInput): AppcView {
  const { config } = input;
  const rc = config.config;
  const dropped: string[] = [];
  const { os, arch } = appcOsArch(config.os, config.architecture, config.variant);
  const labels: NameValue[] = [];
  if (input.tag !== undefined) labels.push({ name: "version", value: input.tag });
  labels.push({ name: "os", value: os }, { name: "arch", value: arch });

  const exec = [...(rc.Entrypoint ?? []), ...(rc.Cmd ?? [])];
  const app: App = { ...(exec.length ? { exec } : {}), ...userGroup(rc.User) };
  const env = environment(rc.Env, dropped);
  if (env?.length) app.environment = env;
  if (rc.WorkingDir) app.workingDirectory = rc.WorkingDir.startsWith("/") ? rc.WorkingDir : `/${rc.WorkingDir}`;
  const p = ports(rc.ExposedPorts, dropped);
  if (p?.length) app.ports = p;
  const mps = mountPoints(rc.Volumes, dropped);
  if (mps?.length) app.mountPoints = mps;
  if (rc.Labels && Object.keys(rc.Labels).length) app.userLabels = { ...rc.Labels };

  const annotations: NameValue[] = [];
  const add = (name: string, value: string | undefined): void => {
    if (value === undefined || annotations.some((a) => a.name === name)) return;
    if (!isACIdentifier(name)) {
      dropped.push(`annotation ${JSON.stringify(name)}`);
      return;
    }
    annotations.push({ name, value });
  };
  add("authors", config.author || undefined);
  if (config.created && RFC3339.test(config.created)) add("created", config.created);
  add("appc.io/docker/originalname", input.originalName);
  add("appc.io/docker/registryurl", input.registry);
  add("appc.io/docker/repository", input.repository ?? input.name);
  add("appc.io/docker/imageid", input.configDigest);
  add("appc.io/docker/manifesthash", input.manifestDigest);
  add("appc.io/docker/entrypoint", JSON.stringify(rc.Entrypoint ?? null));
  add("appc.io/docker/cmd", JSON.stringify(rc.Cmd ?? null));
  add("appc.io/docker/tag", input.tag);
  if (rc.StopSignal) add("appc.io/docker/stopsignal", rc.StopSignal);
  for (const [k, v] of Object.entries(input.manifestAnnotations ?? {})) add(k, v);

  let name: string;
  try {
    name = sanitizeACIdentifier(input.name);
  } catch {
    throw new OciError(`${input.file}: cannot make an image name of ${JSON.stringify(input.name)}`);
  }
  const manifest: ImageManifest = { acKind: "ImageManifest", acVersion: "0.8.11", name, labels, app, annotations };
  try {
    validateImageManifest(manifest);
  } catch (err) {
    if (err instanceof ManifestError) {
      throw new OciError(`${input.file}: the image configuration cannot be expressed as an image manifest: ${err.message}`);
    }
    throw err;
  }
  return { manifest, dropped };
}
