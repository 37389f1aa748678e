// What every command works with: the resolved global settings, the configuration, the
// image store and the pods. The store opens its database only when first used.
import { ImageStore } from "@rkt/store";
import { mkdirSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { loadConfig, type Config, type ConfigDirs } from "./config/config.js";
import { parseInsecureOptions, type InsecureOptions } from "./config/insecure.js";
import { RktError } from "./errors.js";
import { PodRepo } from "./pods/pods.js";

export const DEFAULT_DATA_DIR = "/var/lib/rkt";

export interface GlobalFlags {
  dir?: string;
  systemConfig: string;
  localConfig: string;
  userConfig: string;
  insecureOptions: string;
  trustKeysFromHttps: boolean;
  debug: boolean;
}

export interface Reporter {
  /** A message prefixed with the command's name ("run: ..."). */
  warn(message: string): void;
  debug(message: string): void;
  /** A message with a prefix of its own, as rkt's subsystems print them ("image: ..."). */
  log(prefix: string, message: string): void;
  debugLog(prefix: string, message: string): void;
  /** Raw text on stderr (progress bars). */
  stderr(text: string): void;
}

export class RktContext {
  readonly config: Config;
  readonly configDirs: ConfigDirs;
  readonly dataDir: string;
  readonly insecure: InsecureOptions;
  readonly debug: boolean;
  private storeHandle: ImageStore | undefined;
  private podRepo: PodRepo | undefined;

  constructor(
    readonly flags: GlobalFlags,
    readonly reporter: Reporter,
  ) {
    this.configDirs = { system: flags.systemConfig, local: flags.localConfig, user: flags.userConfig };
    this.config = loadConfig(this.configDirs);
    this.insecure = parseInsecureOptions(flags.insecureOptions);
    this.debug = flags.debug;
    this.dataDir = resolveDataDir(flags.dir ?? this.config.paths.data ?? DEFAULT_DATA_DIR);
  }

  get store(): ImageStore {
    this.storeHandle ??= new ImageStore(this.dataDir);
    return this.storeHandle;
  }

  get pods(): PodRepo {
    this.podRepo ??= new PodRepo(this.dataDir);
    return this.podRepo;
  }

  close(): void {
    this.storeHandle?.close();
  }
}

function resolveDataDir(dir: string): string {
  if (dir === "") throw new RktError("--dir cannot be empty");
  const abs = isAbsolute(dir) ? dir : resolve(dir);
  let real: string;
  try {
    mkdirSync(abs, { recursive: true, mode: 0o750 });
    real = realpathSync(abs);
  } catch (err) {
    throw new RktError(`cannot use ${abs} as the data directory: ${(err as Error).message}`);
  }
  const problem = tamperableDir(real);
  if (problem) throw new RktError(`cannot use ${abs} as the data directory: ${problem}; use a directory only root can change`);
  return real;
}

/**
 * Why another local user could change what `dir` (a real path) holds, or undefined: rkt
 * writes there as root, and a component such a user could replace (with a symlink to /etc)
 * would redirect those writes. Every component must belong to root or to the user running
 * rkt and be writable by nobody else; a sticky directory above it (/tmp) is fine, since
 * others cannot replace entries they do not own there.
 */
function tamperableDir(dir: string): string | undefined {
  const me = process.geteuid?.() ?? 0;
  for (let p = dir, last = true; ; last = false) {
    const st = statSync(p);
    const sticky = !last && (st.mode & 0o1000) !== 0;
    if (st.uid !== 0 && st.uid !== me) return `${p} belongs to user ${st.uid}`;
    if ((st.mode & 0o022) !== 0 && !sticky) return `${p} is writable by other users (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")})`;
    if (p === "/") return undefined;
    p = dirname(p);
  }
}
