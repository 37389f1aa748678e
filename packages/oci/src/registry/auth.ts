// Registry authentication (Docker's token auth and basic auth): a 401 carries a
// WWW-Authenticate challenge; for `Bearer` we ask the named realm for a token (sending the
// configured credentials as basic auth, or none for anonymous pulls) and retry with it;
// for `Basic` we send the credentials themselves.
import { RegistryError } from "../errors.js";
import { readBody, type HttpClient } from "./http.js";

export interface Credentials {
  user: string;
  password: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate header (RFC 7235): one or more `scheme k=v, k="v"` challenges.
 * Quoted values may contain commas and backslash escapes.
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = (): void => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < s.length && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipWs();
    while (s[i] === ",") {
      i++;
      skipWs();
    }
    const scheme = token();
    if (scheme === "") break;
    const ch: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    for (;;) {
      skipWs();
      const save = i;
      const key = token();
      skipWs();
      if (key === "" || s[i] !== "=") {
        i = save; // the next challenge's scheme
        break;
      }
      i++;
      skipWs();
      let value = "";
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === "\\" && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        value = token();
      }
      ch.params[key.toLowerCase()] = value;
      skipWs();
      if (s[i] === ",") i++;
    }
  }
  return out;
}

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.user}:${c.password}`).toString("base64")}`;
}

const MAX_TOKEN_RESPONSE = 1 << 20;

export class Authenticator {
  private authorization: string | undefined;
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly http: HttpClient,
    private readonly registry: string,
    private readonly credentials: Credentials | undefined,
    private readonly log: (m: string) => void,
  ) {}

  /** The Authorization header for the registry, once a challenge has been answered. */
  header(): Record<string, string> {
    return this.authorization ? { Authorization: this.authorization } : {};
  }

  /**
   * Answers a 401. Returns false when nothing more can be tried (the caller reports the
   * 401): no challenge we understand, or no credentials for a basic challenge.
   */
  async answer(wwwAuthenticate: string | undefined, scope: string): Promise<boolean> {
    const challenges = parseChallenges(wwwAuthenticate ?? "");
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) {
      const realm = bearer.params["realm"];
      if (!realm) throw new RegistryError(`registry ${this.registry}: its Bearer challenge names no realm`);
      const key = `${realm}\n${bearer.params["service"] ?? ""}\n${bearer.params["scope"] ?? scope}`;
      const cached = this.tokens.get(key);
      const next = cached ? `Bearer ${cached}` : `Bearer ${await this.fetchToken(realm, bearer.params["service"], bearer.params["scope"] ?? scope)}`;
      if (next === this.authorization) return false; // this token was just refused
      this.authorization = next;
      return true;
    }
    if (challenges.some((c) => c.scheme === "basic")) {
      if (!this.credentials) return false;
      const next = basic(this.credentials);
      if (next === this.authorization) return false;
      this.authorization = next;
      return true;
    }
    return false;
  }

  private async fetchToken(realm: string, service: string | undefined, scope: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(`registry ${this.registry}: bad token realm ${JSON.stringify(realm)}`);
    }
    if (service) url.searchParams.set("service", service);
    if (scope) url.searchParams.set("scope", scope);
    this.log(`getting a token from ${url.origin}${url.pathname} for ${scope}${this.credentials ? ` as ${this.credentials.user}` : ""}`);
    const res = await this.http.follow(url, "GET", (u): Record<string, string> =>
      this.credentials && u.origin === url.origin ? { Authorization: basic(this.credentials) } : {},
    );
    const body = await readBody(res, MAX_TOKEN_RESPONSE, `token from ${url.origin}`);
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError(
        this.credentials
          ? `registry ${this.registry}: the token service ${url.origin} refused the credentials of ${JSON.stringify(this.credentials.user)} (HTTP ${res.status})`
          : `registry ${this.registry}: the token service ${url.origin} requires credentials (add a dockerAuth entry for ${this.registry} in auth.d)`,
        res.status,
      );
    }
    if (res.status !== 200) throw new RegistryError(`registry ${this.registry}: the token service ${url.origin} answered HTTP ${res.status}`, res.status);
    let token: unknown;
    try {
      const j = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
      token = j["token"] ?? j["access_token"];
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || token === "") {
      throw new RegistryError(`registry ${this.registry}: the token service ${url.origin} returned no token`);
    }
    this.tokens.set(`${realm}\n${service ?? ""}\n${scope}`, token);
    return token;
  }
}
