// rkt's command-line entry point. rkt's launcher (the native `rkt` binary) runs this script;
// it parses the command line, loads only the command that runs, and maps errors to
// rkt's exit codes: 254 for rkt's own errors, 2 for a missing command.
import type { CommandContext, CommandDef } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { deprecationNotices, Flags, parseFlags, UsageError, type FlagSpec } from "./flags.js";
import { GLOBAL_FLAGS, globalOptions } from "./global-flags.js";
import { commandHelp, rootHelp } from "./help.js";
import { Output } from "./output.js";

const EXIT_ERROR = 254;

function findCommand(list: CommandDef[], word: string): CommandDef | undefined {
  const exact = list.find((c) => c.name === word || c.aliases?.includes(word));
  if (exact) return exact;
  // cobra's prefix matching: a unique prefix names the command (`rkt ver`).
  const matches = list.filter((c) => !c.hidden && c.name.startsWith(word));
  return matches.length === 1 ? matches[0] : undefined;
}

/** Splits argv into the command path and the command's own arguments. */
function resolveCommand(argv: string[]): { path: CommandDef[]; args: string[]; before: string[] } {
  const path: CommandDef[] = [];
  const before: string[] = [];
  let list = COMMANDS;
  let i = 0;
  // Global flags may come before the command; their values may be separate words.
  while (i < argv.length) {
    const a = argv[i]!;
    if (a.startsWith("-") && a !== "-" && a !== "--") {
      before.push(a);
      const spec = GLOBAL_FLAGS.find((f) => `--${f.name}` === a);
      if (spec && spec.type !== "bool" && i + 1 < argv.length) before.push(argv[++i]!);
      i++;
      continue;
    }
    const cmd = findCommand(list, a);
    if (!cmd) break;
    path.push(cmd);
    i++;
    if (!cmd.subcommands) break;
    list = cmd.subcommands;
  }
  return { path, args: argv.slice(i), before };
}

export async function main(argv: string[]): Promise<number> {
  // `rkt help COMMAND...` is `rkt COMMAND... --help`.
  if (argv[0] === "help" && argv.length > 1) argv = [...argv.slice(1), "--help"];
  const { path, args, before } = resolveCommand(argv);
  const leaf = path[path.length - 1];
  const name = leaf?.name ?? "rkt";
  const debug = argv.includes("--debug") || argv.includes("--debug=true");
  const out = new Output(name, debug);
  try {
    if (!leaf) {
      const first = args.find((a) => !a.startsWith("-"));
      if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
        out.stdout(rootHelp(COMMANDS));
        return 0;
      }
      if (first !== undefined) throw new UsageError(`unknown command ${JSON.stringify(first)} for "rkt"`);
      out.stderr(`missing command\n${rootHelp(COMMANDS)}`);
      return 2;
    }
    const specs: FlagSpec[] = [...GLOBAL_FLAGS, ...(leaf.flags ?? [])];
    const parsed = parseFlags([...before, ...args], specs, { stopAtPositional: leaf.stopAtPositional });
    const flags = new Flags(parsed.values, specs);
    for (const notice of deprecationNotices(parsed.values, specs)) out.stderr(notice);
    const cmdPath = path.map((c) => c.name).join(" ");
    if (flags.bool("help") || !leaf.load) {
      if (!leaf.load && !flags.bool("help")) {
        out.stderr(commandHelp(cmdPath, leaf));
        return 2;
      }
      out.stdout(commandHelp(cmdPath, leaf));
      return 0;
    }
    if (leaf.superuser && process.geteuid?.() !== 0) {
      out.error("cannot run as unprivileged user");
      return EXIT_ERROR;
    }
    const ctx: CommandContext = { name, global: globalOptions(flags), flags, args: parsed.positional, rest: parsed.rest, out };
    const mod = await leaf.load();
    return await mod.run(ctx);
  } catch (err) {
    return report(err, out, leaf ? `rkt ${path.map((c) => c.name).join(" ")}` : "rkt", leaf, debug);
  }
}

function report(err: unknown, out: Output, cmdPath: string, leaf: CommandDef | undefined, debug: boolean): number {
  const e = err as Error;
  if (err instanceof UsageError) {
    out.stderr(`Error: ${e.message}\n`);
    if (err.showUsage) out.stderr(leaf ? commandHelp(cmdPath.replace(/^rkt /, ""), leaf) : rootHelp(COMMANDS));
    return EXIT_ERROR;
  }
  // Programming errors say so; every other error is a message for the user.
  const bug = err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError;
  out.error(bug ? `internal error: ${e.message} (run with --debug for details)` : (e?.message ?? String(err)));
  if (debug && e?.stack) out.stderr(`${e.stack}\n`);
  return EXIT_ERROR;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
