// An app's final environment: the pod manifest's (stage0 already merged image env and CLI
// overrides), then AC_APP_NAME, then rkt's defaults for what is still missing.
import type { NameValue } from "@rkt/stage1-api";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const DEFAULTS: readonly [string, string][] = [
  ["PATH", DEFAULT_PATH],
  ["SHELL", "/bin/sh"],
  ["USER", "root"],
  ["LOGNAME", "root"],
  ["HOME", "/root"],
];

export function appEnvironment(appName: string, environment: NameValue[] | undefined): Map<string, string> {
  const env = new Map<string, string>();
  for (const { name, value } of environment ?? []) env.set(name, value);
  env.set("AC_APP_NAME", appName);
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
