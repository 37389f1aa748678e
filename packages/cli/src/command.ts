// The shape of a command: its flags and help are data, its code loads only when it runs.
import type { GlobalFlags } from "@rkt/stage0";
import type { FlagSpec, Flags } from "./flags.js";
import type { Output } from "./output.js";

/** The global flags, as stage0 takes them. */
export type GlobalOptions = GlobalFlags;

export interface CommandContext {
  /** The command's name as rkt prints it in front of its messages. */
  name: string;
  global: GlobalOptions;
  flags: Flags;
  /** Positional arguments. */
  args: string[];
  /** Arguments after `--`, or (for commands that parse their own) everything after the flags. */
  rest: string[];
  out: Output;
}

export interface CommandModule {
  run(ctx: CommandContext): Promise<number>;
}

export interface CommandDef {
  name: string;
  aliases?: string[];
  summary: string;
  usage: string;
  description?: string;
  flags?: FlagSpec[];
  subcommands?: CommandDef[];
  hidden?: boolean;
  /** rkt's ensureSuperuser: refuse to run as non-root. */
  superuser?: boolean;
  /** Stop flag parsing at the first positional argument (run/prepare grammar). */
  stopAtPositional?: boolean;
  load?: () => Promise<CommandModule>;
}
