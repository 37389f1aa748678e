// --insecure-options, as rkt: a comma list whose groups expand to their members.
import { RktError } from "../errors.js";

export const INSECURE_OPTIONS = ["none", "image", "tls", "ondisk", "http", "pubkey", "capabilities", "paths", "seccomp", "all-fetch", "all-run", "all"] as const;

export interface InsecureOptions {
  image: boolean;
  tls: boolean;
  ondisk: boolean;
  http: boolean;
  pubkey: boolean;
  capabilities: boolean;
  paths: boolean;
  seccomp: boolean;
}

const GROUPS: Record<string, (keyof InsecureOptions)[]> = {
  "all-fetch": ["image", "tls", "http", "pubkey"],
  "all-run": ["capabilities", "paths", "seccomp"],
  all: ["image", "tls", "ondisk", "http", "pubkey", "capabilities", "paths", "seccomp"],
};

export function parseInsecureOptions(value: string): InsecureOptions {
  const opts: InsecureOptions = { image: false, tls: false, ondisk: false, http: false, pubkey: false, capabilities: false, paths: false, seccomp: false };
  for (const raw of value.split(",")) {
    const name = raw.trim().toLowerCase();
    if (name === "" || name === "none") continue;
    if (GROUPS[name]) {
      for (const k of GROUPS[name]!) opts[k] = true;
    } else if (name in opts) {
      opts[name as keyof InsecureOptions] = true;
    } else {
      throw new RktError(`invalid argument ${JSON.stringify(value)} for "--insecure-options" flag: unknown option ${JSON.stringify(raw)}; permissible options are: ${INSECURE_OPTIONS.join(", ")}`);
    }
  }
  return opts;
}
