// appc meta discovery over the network: GET https://PREFIX?ac-discovery=1 for the name and
// then each parent prefix, until a page has what is looked for (image endpoints or keys).
// Plain HTTP is tried after HTTPS only with --insecure-options=http. The parsing is in
// @rkt/appc.
import { aciEndpoints, discoveryPrefixes, discoveryUrl, parseDiscoveryMeta, pubkeyLocations, type AciEndpoint, type DiscoveryApp, type DiscoveryMeta } from "@rkt/appc";
import { RktError } from "../errors.js";
import type { HttpClient } from "./http.js";

const MAX_PAGE_BYTES = 4 * 2 ** 20;

export interface DiscoveryOptions {
  allowHttp: boolean;
  /** Reports prefixes that had nothing (rkt prints these with --debug). */
  debugLog: (message: string) => void;
}

interface Attempt {
  prefix: string;
  error: string;
}

export class Discoverer {
  constructor(
    private readonly http: HttpClient,
    private readonly opts: DiscoveryOptions,
  ) {}

  /** The image endpoints for an app; throws when no prefix of its name gives any. */
  async aciEndpoints(app: DiscoveryApp): Promise<AciEndpoint[]> {
    const found = await this.walk(app.name, "ac-discovery", (meta) => aciEndpoints(meta, app));
    return found;
  }

  /** The key locations for a name prefix (rkt trust, and fetches with --trust-keys-from-https). */
  async pubkeys(name: string): Promise<string[]> {
    return this.walk(name, "ac-discovery-pubkeys", (meta) => pubkeyLocations(meta, name));
  }

  private async walk<T>(name: string, tag: string, pick: (meta: DiscoveryMeta[]) => T[]): Promise<T[]> {
    const attempts: Attempt[] = [];
    for (const prefix of discoveryPrefixes(name)) {
      let meta: DiscoveryMeta[];
      try {
        meta = parseDiscoveryMeta(await this.page(prefix));
      } catch (err) {
        attempts.push({ prefix, error: (err as Error).message });
        this.opts.debugLog(`meta tag '${tag}' not found on ${prefix}: ${(err as Error).message}`);
        continue;
      }
      const found = pick(meta);
      if (found.length > 0) return found;
      attempts.push({ prefix, error: `no ${tag} meta tag for ${name}` });
      this.opts.debugLog(`meta tag '${tag}' not found on ${prefix}`);
    }
    const last = attempts[0]?.error ?? "nothing to ask";
    const hint = this.opts.allowHttp ? "" : " (discovery uses HTTPS; plain HTTP needs --insecure-options=http)";
    throw new RktError(`discovery failed for ${JSON.stringify(name)}: no ${tag} meta tag found at ${discoveryUrl(name, "https")} or its parents: ${last}${hint}`);
  }

  /** appc's httpsOrHTTP: HTTPS first; HTTP only when allowed and HTTPS did not answer 200. */
  private async page(prefix: string): Promise<string> {
    try {
      return await this.get(discoveryUrl(prefix, "https"));
    } catch (err) {
      if (!this.opts.allowHttp) throw err;
      return this.get(discoveryUrl(prefix, "http"));
    }
  }

  private async get(url: string): Promise<string> {
    const res = await this.http.bytes(url, { allowHttp: this.opts.allowHttp, maxBytes: MAX_PAGE_BYTES });
    if (res.status !== 200) throw new RktError(`${url}: expected a 200 OK got ${res.status}`);
    return res.data.toString("utf8");
  }
}
