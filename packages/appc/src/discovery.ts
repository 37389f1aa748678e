// appc meta discovery (spec/discovery.md, appc discovery/discovery.go), the pure parts:
// which URLs to ask, the <meta> tags of the answer, and the templates they carry. Fetching
// is the caller's business.
//
//   <meta name="ac-discovery" content="example.com https://example.com/{name}-{version}-{os}-{arch}.{ext}">
//   <meta name="ac-discovery-pubkeys" content="example.com https://example.com/pubkeys.gpg">

export interface DiscoveryMeta {
  /** `ac-discovery` or `ac-discovery-pubkeys` (any `ac-` name is kept). */
  name: string;
  /** The name prefix the tag applies to. */
  prefix: string;
  /** A URL template (ac-discovery) or a key URL (ac-discovery-pubkeys). */
  uri: string;
}

export interface AciEndpoint {
  aci: string;
  asc: string;
}

export interface DiscoveryApp {
  name: string;
  labels: Record<string, string>;
}

/**
 * The names discovery asks, longest first: `example.com/group/app`, `example.com/group`,
 * `example.com` (DiscoverWalk goes up one path component at a time).
 */
export function discoveryPrefixes(name: string): string[] {
  const parts = name.split("/");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("/"));
}

/** The URL of the discovery document for one prefix. */
export function discoveryUrl(prefix: string, scheme: "https" | "http"): string {
  return `${scheme}://${prefix}?ac-discovery=1`;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function attributes(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /([^\s=/>"']+)(?:\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  for (const m of tag.matchAll(re)) {
    const key = m[1]!.toLowerCase();
    if (attrs.has(key)) continue; // HTML keeps the first of duplicated attributes
    attrs.set(key, decodeEntities(m[3] ?? m[4] ?? m[5] ?? ""));
  }
  return attrs;
}

/**
 * The `ac-*` meta tags of an HTML document. Like appc's tokenizer-based reader it looks at
 * every <meta> start tag, wherever it is; comments, scripts and styles are skipped.
 */
export function parseDiscoveryMeta(html: string): DiscoveryMeta[] {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, "");
  const out: DiscoveryMeta[] = [];
  for (const m of text.matchAll(/<meta\b([^>]*)>/gi)) {
    const attrs = attributes(m[1]!);
    const name = attrs.get("name") ?? "";
    const content = (attrs.get("content") ?? "").trim();
    const space = content.search(/\s/);
    if (!name.startsWith("ac-") || space < 0) continue;
    const prefix = content.slice(0, space);
    const uri = content.slice(space).trim();
    if (prefix === "" || uri === "") continue;
    out.push({ name, prefix, uri });
  }
  return out;
}

/**
 * Fills `{key}` placeholders; returns undefined when one is left over (appc skips such a
 * template rather than ask a URL with braces in it).
 */
export function renderTemplate(template: string, vars: Record<string, string>): string | undefined {
  let out = template;
  for (const [k, v] of Object.entries(vars)) out = out.split(`{${k}}`).join(v);
  return /\{.*?\}/.test(out) ? undefined : out;
}

/**
 * The image and signature URLs the `ac-discovery` tags give for `app`. A tag applies when
 * the app's name starts with its prefix. `{name}` is the app name, every label is a
 * variable too, `version` defaults to `latest`, and `{ext}` is `aci` / `aci.asc`.
 */
export function aciEndpoints(meta: DiscoveryMeta[], app: DiscoveryApp): AciEndpoint[] {
  const vars: Record<string, string> = { version: "latest", ...app.labels, name: app.name };
  const out: AciEndpoint[] = [];
  for (const m of meta) {
    if (m.name !== "ac-discovery" || !app.name.startsWith(m.prefix)) continue;
    const { ext: _ext, ...rest } = vars;
    const partial = renderTemplate(m.uri.split("{ext}").join("\u0000"), rest);
    if (partial === undefined) continue;
    out.push({ aci: partial.split("\u0000").join("aci"), asc: partial.split("\u0000").join("aci.asc") });
  }
  return out;
}

/** The key URLs the `ac-discovery-pubkeys` tags give for a name. */
export function pubkeyLocations(meta: DiscoveryMeta[], name: string): string[] {
  return meta.filter((m) => m.name === "ac-discovery-pubkeys" && name.startsWith(m.prefix)).map((m) => m.uri);
}
