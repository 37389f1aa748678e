// Help texts, generated from the command and flag tables.
import type { CommandDef } from "./command.js";
import type { FlagSpec } from "./flags.js";
import { GLOBAL_FLAGS } from "./global-flags.js";

function flagLines(flags: FlagSpec[]): string {
  const rows = flags
    .filter((f) => !f.hidden && !f.deprecated)
    .map((f) => {
      const name = `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.type === "bool" ? "" : `=${f.optionalValue !== undefined ? "[" : ""}${f.type === "stringArray" ? "value" : f.type}${f.optionalValue !== undefined ? "]" : ""}`}`;
      const def = f.default && f.default !== "false" && f.type !== "bool" ? ` (default ${JSON.stringify(f.default)})` : "";
      return [name, f.usage + def] as const;
    });
  const width = Math.max(0, ...rows.map(([n]) => n.length));
  return rows.map(([n, u]) => `  ${n.padEnd(width)}   ${u}`).join("\n");
}

export function rootHelp(commands: CommandDef[]): string {
  const visible = commands.filter((c) => !c.hidden);
  const width = Math.max(...visible.map((c) => c.name.length));
  return `NAME:
  rkt - rkt, the application container runner

USAGE:
  rkt [command]

COMMANDS:
${visible.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`).join("\n")}

GLOBAL OPTIONS:
${flagLines(GLOBAL_FLAGS)}

Run 'rkt help COMMAND' or 'rkt COMMAND --help' for more about a command.
`;
}

export function commandHelp(path: string, cmd: CommandDef): string {
  let text = `NAME:\n  rkt ${path} - ${cmd.summary}\n\nUSAGE:\n  ${cmd.usage}\n`;
  if (cmd.description) text += `\nDESCRIPTION:\n${cmd.description.replace(/^/gm, "  ")}\n`;
  if (cmd.subcommands?.length) {
    const width = Math.max(...cmd.subcommands.map((c) => c.name.length));
    text += `\nCOMMANDS:\n${cmd.subcommands.filter((c) => !c.hidden).map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`).join("\n")}\n`;
  }
  if (cmd.flags?.length) text += `\nOPTIONS:\n${flagLines(cmd.flags)}\n`;
  text += `\nGLOBAL OPTIONS:\n${flagLines(GLOBAL_FLAGS)}\n`;
  return text;
}
