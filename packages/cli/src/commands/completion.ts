// rkt completion bash: a bash completion script generated from the command table.
import type { CommandContext, CommandDef } from "../command.js";
import { UsageError } from "../flags.js";
import { GLOBAL_FLAGS } from "../global-flags.js";
import { COMMANDS } from "./index.js";

function flagWords(cmd: CommandDef): string {
  return [...GLOBAL_FLAGS, ...(cmd.flags ?? [])].filter((f) => !f.hidden).map((f) => `--${f.name}`).join(" ");
}

function cases(list: CommandDef[], prefix: string): string[] {
  const out: string[] = [];
  for (const c of list) {
    if (c.hidden) continue;
    const path = `${prefix}${c.name}`;
    const subs = (c.subcommands ?? []).filter((s) => !s.hidden).map((s) => s.name);
    out.push(`    "${path}") words="${[...subs, ...flagWords(c).split(" ")].join(" ")}" ;;`);
    if (c.subcommands) out.push(...cases(c.subcommands, `${path} `));
  }
  return out;
}

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args[0] !== "bash") throw new UsageError("usage: rkt completion bash");
  const top = COMMANDS.filter((c) => !c.hidden).map((c) => c.name).join(" ");
  ctx.out.stdout(`# bash completion for rkt; load it with: source <(rkt completion bash)
_rkt() {
  local cur path="" words w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    case " $(_rkt_words "$path") " in *" $w "*) path="\${path:+$path }$w" ;; esac
  done
  COMPREPLY=($(compgen -W "$(_rkt_words "$path")" -- "$cur"))
  case "$cur" in -*) ;; *) [ -n "$path" ] && [ \${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur")) ;; esac
}
_rkt_words() {
  local words
  case "$1" in
    "") words="${top} ${GLOBAL_FLAGS.map((f) => `--${f.name}`).join(" ")}" ;;
${cases(COMMANDS, "").join("\n")}
  esac
  echo "$words"
}
complete -F _rkt rkt
`);
  return 0;
}
