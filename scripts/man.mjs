// Writes man pages made from rkt's --help texts: rkt(1) and one page per command and
// subcommand (rkt-run(1), rkt-image-list(1), ...), so that they say what the built rkt says.
//   node scripts/man.mjs OUT_DIR
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = process.argv[2];
if (!out) {
  console.error("usage: node scripts/man.mjs OUT_DIR");
  process.exit(2);
}
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

/** `rkt help PATH...` split into its sections (NAME, USAGE, OPTIONS...), each without its indent. */
function help(path) {
  const text = execFileSync(join(root, "bin/rkt"), ["help", ...path], { encoding: "utf8" });
  const sections = new Map();
  let current;
  for (const line of text.split("\n")) {
    const head = /^([A-Z][A-Z ]*):$/.exec(line);
    if (head) sections.set((current = head[1]), []);
    else if (current) sections.get(current).push(line);
  }
  for (const [k, v] of sections) sections.set(k, dedent(v));
  return sections;
}

/** The lines without the blank lines around them and without their common indent. */
function dedent(lines) {
  while (lines.length && !lines[0].trim()) lines.shift();
  while (lines.length && !lines.at(-1).trim()) lines.pop();
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)[0].length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

/** Text for roff: backslashes escaped, no line taken for a request. */
const roff = (s) => s.replace(/\\/g, "\\e").replace(/^([.'])/gm, "\\&$1");
const block = (s) => `.nf\n${roff(s)}\n.fi\n`;

function page(path, sections, children) {
  const name = ["rkt", ...path].join("-");
  const [, summary = ""] = /^\S.* - (.*)$/.exec(sections.get("NAME") ?? "") ?? [];
  let t = `.TH ${name.toUpperCase()} 1 "" "rkt-ts ${version}" "rkt-ts manual"\n`;
  t += `.SH NAME\n${roff(name).replace(/-/g, "\\-")} \\- ${roff(summary)}\n`;
  t += `.SH SYNOPSIS\n${block(sections.get("USAGE") ?? "")}`;
  if (sections.has("DESCRIPTION")) t += `.SH DESCRIPTION\n${block(sections.get("DESCRIPTION"))}`;
  if (sections.has("COMMANDS")) t += `.SH COMMANDS\n${block(sections.get("COMMANDS"))}`;
  if (sections.has("OPTIONS")) t += `.SH OPTIONS\n${block(sections.get("OPTIONS"))}`;
  if (path.length === 0) t += `.SH GLOBAL OPTIONS\n${block(sections.get("GLOBAL OPTIONS") ?? "")}`;
  const see = path.length === 0 ? children : ["rkt", ...children];
  if (see.length > 0) t += `.SH SEE ALSO\n${see.map((c) => `.BR ${c} (1)`).join(",\n")}\n`;
  writeFileSync(join(out, `${name}.1`), t);
}

/** Writes the page of PATH and those of its subcommands; returns its page name. */
function walk(path) {
  const sections = help(path);
  const subs = (sections.get("COMMANDS") ?? "")
    .split("\n")
    .map((l) => /^(\S+)\s/.exec(l)?.[1])
    .filter(Boolean);
  const children = subs.map((s) => walk([...path, s]));
  page(path, sections, children);
  return ["rkt", ...path].join("-");
}

mkdirSync(out, { recursive: true });
walk([]);
