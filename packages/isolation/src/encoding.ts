/**
 * The percent encoding shared by spec files, the launcher protocol and fsops: `%`, bytes
 * below 0x21 (space, tab, newline, controls) and 0x7f are written as `%XX` (upper-case hex
 * on output, either case accepted on input). Other characters, UTF-8 included, pass as is.
 */

const NEEDS_ESCAPE = /[%\x00-\x20\x7f]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return (code < 16 ? '%0' : '%') + code.toString(16).toUpperCase();
}

export function encodeField(s: string): string {
  return s.replace(NEEDS_ESCAPE, escapeChar);
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

export function decodeField(s: string): string {
  if (!s.includes('%')) return s;
  const src = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let w = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b !== 0x25) {
      out[w++] = b;
      continue;
    }
    const hi = i + 1 < src.length ? hexDigit(src[i + 1]!) : -1;
    const lo = i + 2 < src.length ? hexDigit(src[i + 2]!) : -1;
    if (hi < 0 || lo < 0) throw new Error(`invalid percent-encoding in ${JSON.stringify(s)}`);
    out[w++] = hi * 16 + lo;
    i += 2;
  }
  return out.toString('utf8', 0, w);
}
