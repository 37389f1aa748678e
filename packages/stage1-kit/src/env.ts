// An app's final environment: the pod manifest's (stage0 already merged image env and CLI
// overrides), then AC_APP_NAME (and AC_METADATA_URL), then rkt's defaults for what is still missing. Also its
// rkt/env/<app> file, and the environment `rkt enter` runs a command with.
import type { NameValue } from "@rkt/stage1-api";
import { appEnvFile } from "@rkt/stage1-api";
import { readFileSync } from "node:fs";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const DEFAULTS: readonly [string, string][] = [
  ["PATH", DEFAULT_PATH],
  ["SHELL", "/bin/sh"],
  ["USER", "root"],
  ["LOGNAME", "root"],
  ["HOME", "/root"],
];

/** `metadataUrl`: the metadata service's AC_METADATA_URL for the pod, when it is registered. */
export function appEnvironment(appName: string, environment: NameValue[] | undefined, metadataUrl?: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const { name, value } of environment ?? []) env.set(name, value);
  env.set("AC_APP_NAME", appName);
  if (metadataUrl) env.set("AC_METADATA_URL", metadataUrl);
  for (const [k, v] of DEFAULTS) if (!env.has(k)) env.set(k, v);
  return env;
}

/** rkt's rkt/env/<app> format: one K=V per line. */
export function formatEnvFile(env: Map<string, string>): string {
  let out = "";
  for (const [k, v] of env) out += `${k}=${v}\n`;
  return out;
}

export function parseEnvFile(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return env;
}

/**
 * `rkt enter`'s environment, as rkt's: the app's own (rkt/env/<app>, written when the pod
 * started) and the caller's TERM (vt100 without one). `missing` gives the app's environment when
 * that file is not there: each flavor decides what that means.
 */
export function enterEnvironment(
  stage1Root: string,
  app: string,
  callerEnv: Record<string, string | undefined>,
  missing: () => Map<string, string>,
): Map<string, string> {
  let env: Map<string, string>;
  try {
    env = parseEnvFile(readFileSync(appEnvFile(stage1Root, app), "utf8"));
  } catch {
    env = missing();
  }
  env.set("TERM", callerEnv.TERM ?? "vt100");
  return env;
}
