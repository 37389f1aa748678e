// Command-line flags with cobra's grammar, which rkt users' scripts rely on:
// `--name=value` or `--name value`; booleans as `--name` or `--name=true|false`;
// flags with an optional value (`--net`, `--wait`) take it only after `=`.
export type FlagType = "bool" | "string" | "stringArray" | "int" | "duration";

export interface FlagSpec {
  name: string;
  type: FlagType;
  usage: string;
  default?: string;
  /** Value used when the flag is given without `=value` (cobra's NoOptDefVal). */
  optionalValue?: string;
  hidden?: boolean;
  short?: string;
  /** A deprecated flag still works, is hidden from help and says what to use instead. */
  deprecated?: string;
}

export class UsageError extends Error {
  constructor(message: string, readonly showUsage = true) {
    super(message);
    this.name = "UsageError";
  }
}

export type FlagValues = Map<string, string[]>;

export interface ParseOptions {
  /** Stop at the first non-flag argument (rkt's run/prepare grammar). */
  stopAtPositional?: boolean;
}

export interface ParseResult {
  values: FlagValues;
  positional: string[];
  /** Arguments after `--` (or, with stopAtPositional, from the first positional on). */
  rest: string[];
  /** Why parsing stopped: at `--`, at a positional argument (stopAtPositional), or at the end. */
  stoppedAt: "--" | "positional" | "end";
}

export function parseFlags(args: string[], specs: FlagSpec[], opts: ParseOptions = {}): ParseResult {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const values: FlagValues = new Map();
  const positional: string[] = [];
  let i = 0;
  const set = (spec: FlagSpec, value: string): void => {
    checkValue(spec, value);
    const list = values.get(spec.name) ?? [];
    list.push(value);
    values.set(spec.name, list);
  };
  while (i < args.length) {
    const arg = args[i]!;
    if (arg === "--") {
      return { values, positional, rest: args.slice(i + 1), stoppedAt: "--" };
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, arg.slice(eq + 1));
      else if (spec.type === "bool") set(spec, "true");
      else if (spec.optionalValue !== undefined) set(spec, spec.optionalValue);
      else if (i + 1 < args.length) set(spec, args[++i]!);
      else throw new UsageError(`flag needs an argument: --${name}`);
      i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      const letter = arg.slice(1, 2);
      const spec = byShort.get(letter);
      if (!spec) throw new UsageError(`unknown shorthand flag: '${letter}' in ${arg}`);
      if (spec.type === "bool") set(spec, arg.length > 2 && arg[2] === "=" ? arg.slice(3) : "true");
      else if (arg.length > 2) set(spec, arg.slice(arg[2] === "=" ? 3 : 2));
      else if (i + 1 < args.length) set(spec, args[++i]!);
      else throw new UsageError(`flag needs an argument: '${letter}' in -${letter}`);
      i++;
      continue;
    }
    if (opts.stopAtPositional) return { values, positional, rest: args.slice(i), stoppedAt: "positional" };
    positional.push(arg);
    i++;
  }
  return { values, positional, rest: [], stoppedAt: "end" };
}

/** pflag's notice for each deprecated flag that was given. */
export function deprecationNotices(values: FlagValues, specs: FlagSpec[]): string[] {
  return specs.filter((s) => s.deprecated && values.has(s.name)).map((s) => `Flag --${s.name} has been deprecated, ${s.deprecated}\n`);
}

function checkValue(spec: FlagSpec, value: string): void {
  if (spec.type === "bool" && !BOOL_VALUES.has(value)) {
    throw new UsageError(`invalid argument ${JSON.stringify(value)} for "--${spec.name}" flag: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  if (spec.type === "int" && !/^-?[0-9]+$/.test(value)) {
    throw new UsageError(`invalid argument ${JSON.stringify(value)} for "--${spec.name}" flag: not an integer`);
  }
  if (spec.type === "duration" && parseDuration(value) === undefined) {
    throw new UsageError(`invalid argument ${JSON.stringify(value)} for "--${spec.name}" flag: time: invalid duration ${JSON.stringify(value)}`);
  }
}

const BOOL_VALUES = new Set(["1", "0", "t", "f", "T", "F", "true", "false", "TRUE", "FALSE", "True", "False"]);

export function toBool(value: string): boolean {
  return ["1", "t", "T", "true", "TRUE", "True"].includes(value);
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds ("30m0s", "1h", "-1s", "0"). */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const m = /^([-+]?)((?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h))+)$/.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2]!.matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNITS[part[2]!]!;
  }
  return m[1] === "-" ? -total : total;
}

/** Go's Duration.String() for whole seconds and above ("30m0s", "24h0m0s", "0s"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let s = Math.abs(ms) / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = Number.isInteger(s) ? `${s}s` : `${+s.toFixed(9)}s`;
  if (h > 0) return `${sign}${h}h${m}m${sec}`;
  if (m > 0) return `${sign}${m}m${sec}`;
  return `${sign}${sec}`;
}

/** Typed access to parsed values, with defaults from the specs. */
export class Flags {
  constructor(
    private readonly values: FlagValues,
    /** Every flag the command takes (global ones included). */
    readonly specs: FlagSpec[],
  ) {}

  /** These flags and `more` (given later on the command line, so their values win). */
  with(more: FlagValues): Flags {
    const values: FlagValues = new Map([...this.values].map(([k, v]) => [k, [...v]]));
    for (const [k, v] of more) values.set(k, [...(values.get(k) ?? []), ...v]);
    return new Flags(values, this.specs);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The flags given, in the order they first appeared. */
  names(): string[] {
    return [...this.values.keys()];
  }

  string(name: string): string {
    const v = this.values.get(name);
    return v ? v[v.length - 1]! : (this.spec(name).default ?? "");
  }

  list(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  bool(name: string): boolean {
    return toBool(this.string(name) || "false");
  }

  int(name: string): number {
    return Number(this.string(name) || "0");
  }

  duration(name: string): number {
    return parseDuration(this.string(name) || "0") ?? 0;
  }

  private spec(name: string): FlagSpec {
    const s = this.specs.find((x) => x.name === name);
    if (!s) throw new Error(`internal: no flag --${name}`);
    return s;
  }
}
