// Docker image references as rkt wrote them: `docker://[REGISTRY[:PORT]/]NAME[:TAG|@DIGEST]`
// (docker/distribution's reference grammar and its normalization). Docker Hub is the
// default registry (API host registry-1.docker.io), one-component names get the `library/`
// prefix, and the tag defaults to `latest` unless a digest is given.
import { digestProblem, type Digest } from "./digest.js";
import { OciError } from "./errors.js";

export const DOCKER_HUB_REGISTRY = "registry-1.docker.io";
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", DOCKER_HUB_REGISTRY]);

export interface DockerReference {
  /** host[:port] the Registry API is reached at (Docker Hub: registry-1.docker.io). */
  registry: string;
  /** Repository path inside the registry (`library/busybox`). */
  repository: string;
  /** The tag, unless the reference names a digest only. */
  tag?: string;
  /** Pins the manifest: what the registry returns must hash to this. */
  digest?: Digest;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
const MAX_NAME = 255;

function bad(input: string, problem: string): OciError {
  return new OciError(`invalid docker image reference ${JSON.stringify(input)}: ${problem}`);
}

/** Parses a reference without its `docker://` prefix (`busybox`, `host:5000/a/b:1.0@sha256:...`). */
export function parseDockerReference(input: string): DockerReference {
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    const p = digestProblem(d);
    if (p) throw bad(input, p);
    digest = d as Digest;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(input, `invalid tag ${JSON.stringify(tag)} (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`);
  }
  if (rest === "") throw bad(input, "no repository name");

  let registry = "docker.io";
  let repository = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("[")) {
      registry = first;
      repository = rest.slice(slash + 1);
      if (!DOMAIN.test(registry)) throw bad(input, `invalid registry ${JSON.stringify(registry)}`);
      const port = /:(\d+)$/.exec(registry)?.[1];
      if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw bad(input, `invalid port in ${JSON.stringify(registry)}`);
    }
  }
  if (repository === "") throw bad(input, "no repository name");
  for (const c of repository.split("/")) {
    if (PATH_COMPONENT.test(c)) continue;
    if (c.toLowerCase() !== c && PATH_COMPONENT.test(c.toLowerCase())) throw bad(input, "repository name must be lowercase");
    throw bad(input, `invalid repository path component ${JSON.stringify(c)}`);
  }
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DOCKER_HUB_REGISTRY;
    if (!repository.includes("/")) repository = `library/${repository}`;
  }
  if (registry.length + 1 + repository.length > MAX_NAME) throw bad(input, `name longer than ${MAX_NAME} characters`);
  if (tag === undefined && digest === undefined) tag = "latest";
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `registry/repository[:tag][@digest]`, fully qualified. */
export function formatDockerReference(ref: DockerReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** What the registry is asked for: the digest when pinned, else the tag. */
export function manifestReference(ref: DockerReference): string {
  return ref.digest ?? ref.tag ?? "latest";
}
