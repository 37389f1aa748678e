// rkt's formats for times and sizes.

/** Go's layout "2006-01-02 15:04:05.999 -0700 MST" in local time. */
export function goTime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  let frac = d.getMilliseconds() ? `.${p(d.getMilliseconds(), 3)}`.replace(/0+$/, "") : "";
  if (frac === ".") frac = "";
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const zone = `${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  const abbr = zoneAbbreviation(d) ?? zone;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${frac} ${zone} ${abbr}`;
}

function zoneAbbreviation(d: Date): string | undefined {
  if (d.getTimezoneOffset() === 0 && (process.env.TZ === undefined || process.env.TZ === "" || process.env.TZ === "UTC")) return "UTC";
  const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(d).find((x) => x.type === "timeZoneName");
  return part?.value;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 12 * MONTH;

const MAGNITUDES: [number, string, number][] = [
  [SECOND, "now", SECOND],
  [2 * SECOND, "1 second %s", 1],
  [MINUTE, "%d seconds %s", SECOND],
  [2 * MINUTE, "1 minute %s", 1],
  [HOUR, "%d minutes %s", MINUTE],
  [2 * HOUR, "1 hour %s", 1],
  [DAY, "%d hours %s", HOUR],
  [2 * DAY, "1 day %s", 1],
  [WEEK, "%d days %s", DAY],
  [2 * WEEK, "1 week %s", 1],
  [MONTH, "%d weeks %s", WEEK],
  [2 * MONTH, "1 month %s", 1],
  [YEAR, "%d months %s", MONTH],
  [18 * MONTH, "1 year %s", 1],
  [2 * YEAR, "2 years %s", 1],
  [37 * YEAR, "%d years %s", YEAR],
  [Number.MAX_SAFE_INTEGER, "a long while %s", 1],
];

/** go-humanize's Time(): "2 minutes ago", "now". */
export function humanizeTime(d: Date, now = Date.now()): string {
  let diff = now - d.getTime();
  let label = "ago";
  if (diff < 0) {
    diff = -diff;
    label = "from now";
  }
  for (const [limit, format, divisor] of MAGNITUDES) {
    if (diff < limit) {
      return format.replace("%d", String(Math.floor(diff / divisor))).replace("%s", label).trim();
    }
  }
  return `a long while ${label}`;
}

const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** go-humanize's IBytes as rkt printed it: "12MiB", "4.1MiB", "512B". */
export function humanizeBytes(n: number): string {
  if (n < 10) return `${n}B`;
  const e = Math.floor(Math.log(n) / Math.log(1024));
  const val = Math.floor((n / 1024 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? val.toFixed(1) : val.toFixed(0)}${IEC[e]}`;
}

/** JSON with exact 64-bit integers (nanosecond times): bigint values are written as numbers. */
export function jsonStringify(value: unknown, pretty: boolean): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `\u0000bigint:${v}` : v), pretty ? "\t" : undefined);
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, "$1");
}

/** Milliseconds since the epoch as Go's UnixNano(). */
export function nanos(ms: number | undefined): bigint {
  return ms === undefined ? 0n : BigInt(Math.round(ms)) * 1_000_000n;
}
