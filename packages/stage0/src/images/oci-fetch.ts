// OCI and Docker images as rkt image arguments:
//   docker://[REGISTRY[:PORT]/]NAME[:TAG|@DIGEST]   a registry (Registry HTTP API v2)
//   oci:DIR[:REF]                                    an OCI image layout
//   oci-archive:FILE[:REF]                           a tar of an OCI image layout
//   docker-archive:FILE[:NAME:TAG|:@N]               a `docker save` tar
// Pull policies as rkt's docker fetcher: `new` and `never` take a stored image fetched
// from the same reference; `update` asks the registry for the manifest and reuses every
// blob already stored. Local sources are always read (as ACI files are); their blobs are
// still stored once. These images cannot be signed, so --insecure-options=image is required
// to fetch them, as rkt required it for docker images.
import { classifyImageArgument } from "@rkt/appc";
import {
  DockerSaveSource,
  formatDockerReference,
  OciError,
  OciLayoutSource,
  parseDockerReference,
  RegistryClient,
  type Credentials,
  type DockerReference,
} from "@rkt/oci";
import { StoreError } from "@rkt/store";
import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import type { FetchedImage, FetchOptions } from "./fetcher.js";
import { systemCertificates } from "./ca.js";
import { unpackArchive } from "./oci-archive.js";
import { pullImage } from "./oci-pull.js";

export async function fetchOciImage(ctx: RktContext, arg: string, opts: FetchOptions): Promise<FetchedImage> {
  const a = classifyImageArgument(arg, { fileExists: () => false });
  try {
    switch (a.kind) {
      case "docker":
        return await fromRegistry(ctx, arg, a.ref, opts);
      case "oci-layout":
      case "oci-archive":
      case "docker-archive":
        return await fromLocal(ctx, arg, a.kind, a.path, a.ref);
      default:
        throw new RktError(`${arg} is not an OCI or Docker image reference`);
    }
  } catch (err) {
    // One line naming what failed; the store and the sources already say which file/field.
    if (err instanceof OciError || err instanceof StoreError) throw new RktError(err.message, { cause: err });
    throw err;
  }
}

function notInStore(arg: string): RktError {
  return new RktError(
    `unable to fetch docker image from URL ${JSON.stringify(arg)}: either image was not found in the store or store was disabled and fetching from remote yielded nothing or it was disabled`,
  );
}

function requireInsecureImage(ctx: RktContext, what: "docker" | "OCI"): void {
  if (!ctx.insecure.image) {
    throw new RktError(`signature verification for ${what} images is not supported (try --insecure-options=image)`);
  }
}

/** dockerAuth credentials for a registry (Docker Hub answers to several names). */
function credentialsFor(ctx: RktContext, ref: DockerReference): Credentials | undefined {
  const names = ref.registry === "registry-1.docker.io" ? ["registry-1.docker.io", "index.docker.io", "docker.io"] : [ref.registry];
  for (const n of names) {
    const e = ctx.config.dockerAuth.get(n);
    if (e) return { user: e.credentials.user, password: e.credentials.password };
  }
  return undefined;
}

async function fromRegistry(ctx: RktContext, arg: string, refText: string, opts: FetchOptions): Promise<FetchedImage> {
  const store = ctx.store;
  const ref = parseDockerReference(refText);
  const url = `docker://${formatDockerReference(ref)}`;
  if (opts.pullPolicy !== "update") {
    const pinned = ref.digest ? `sha256-${ref.digest.slice("sha256:".length)}` : undefined;
    const key = pinned && store.has(pinned) ? pinned : store.getRemote(url)?.key;
    if (key && store.has(key)) {
      ctx.reporter.debugLog("image", `using image from local store for url ${url}`);
      return { key, manifest: store.manifest(key) };
    }
    if (opts.pullPolicy === "never") throw notInStore(arg);
  }
  requireInsecureImage(ctx, "docker");
  if (ctx.insecure.tls) ctx.reporter.log("image", "warning: TLS verification has been disabled");
  const client = new RegistryClient(ref, {
    credentials: credentialsFor(ctx, ref),
    allowHttp: ctx.insecure.http,
    insecureTls: ctx.insecure.tls,
    ca: systemCertificates(),
    log: (m) => ctx.reporter.debugLog("image", m),
  });
  try {
    ctx.reporter.debugLog("image", `remote fetching from URL ${JSON.stringify(url)}`);
    const img = await pullImage(ctx, {
      source: client,
      originalName: arg,
      latest: ref.tag === "latest" && !ref.digest,
      naming: () => ({
        name: `${ref.registry}/${ref.repository}`,
        tag: ref.tag,
        registry: ref.registry,
        repository: ref.repository,
      }),
    });
    store.setRemote({ url, key: img.key, cacheMaxAge: 0, downloadTime: Date.now() });
    return img;
  } finally {
    await client.close();
  }
}

async function fromLocal(
  ctx: RktContext,
  arg: string,
  kind: "oci-layout" | "oci-archive" | "docker-archive",
  path: string,
  ref: string | undefined,
): Promise<FetchedImage> {
  const full = resolve(path);
  const st = statSync(full, { throwIfNoEntry: false });
  if (!st) throw new RktError(`${arg}: ${full}: no such file or directory`);
  if (kind === "oci-layout" && !st.isDirectory()) throw new RktError(`${arg}: ${full} is not a directory (an OCI layout is one)`);
  if (kind !== "oci-layout" && !st.isFile()) throw new RktError(`${arg}: ${full} is not a regular file`);
  requireInsecureImage(ctx, kind === "docker-archive" ? "docker" : "OCI");
  ctx.reporter.debugLog("image", `using image from ${kind} ${full}`);

  if (kind === "oci-layout") {
    const source = new OciLayoutSource(full, ref, `${arg}`);
    return pullImage(ctx, { source, originalName: arg, latest: false, naming: () => ({ name: basename(full), tag: ref }) });
  }
  const unpacked = await unpackArchive(ctx, full, arg);
  try {
    if (kind === "oci-archive") {
      const source = new OciLayoutSource(unpacked.dir, ref, arg);
      const name = basename(full).replace(/\.(tar|tar\.gz|tgz|oci)$/, "");
      return await pullImage(ctx, { source, originalName: arg, latest: false, naming: () => ({ name, tag: ref }) });
    }
    const source = new DockerSaveSource(unpacked.dir, ref, arg, full);
    return await pullImage(ctx, {
      source,
      originalName: arg,
      latest: false,
      naming: () => {
        const t = source.repoTag();
        return t
          ? { name: `${t.registry}/${t.repository}`, tag: t.tag, registry: t.registry, repository: t.repository }
          : { name: source.imageName() };
      },
    });
  } finally {
    unpacked.remove();
  }
}
