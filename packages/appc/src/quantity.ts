// Kubernetes resource quantities, as used by appc's resource isolators and rkt's --memory and
// --cpu flags: a decimal number followed by a binary suffix (Ki Mi Gi Ti Pi Ei), a decimal
// suffix (n u m "" k M G T P E) or a decimal exponent (e3, E-2). Values are kept exact.
import { AppcError } from "./errors.js";

export type QuantityFormat = "BinarySI" | "DecimalSI" | "DecimalExponent";

export interface Quantity {
  /** The text as given. */
  readonly text: string;
  /** The exact value is num / den (den > 0). */
  readonly num: bigint;
  readonly den: bigint;
  /** The value as an integer, rounded away from zero (Kubernetes' Value(); bytes for memory). */
  readonly value: bigint;
  /** The value in thousandths, rounded away from zero (MilliValue(); millicores for cpu). */
  readonly milliValue: bigint;
  readonly format: QuantityFormat;
}

const QUANTITY = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

const BINARY_SHIFT: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * Parses a quantity such as `16Mi`, `50M`, `1G`, `500m`, `1.5` or `2e3`. Throws AppcError
 * for anything else (including the empty string and embedded spaces).
 */
export function parseQuantity(text: string): Quantity {
  const m = QUANTITY.exec(text);
  if (!m) {
    throw new AppcError(
      `invalid quantity ${JSON.stringify(text)}: expected a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent such as e3), e.g. 128Mi, 1G or 500m`,
    );
  }
  const negative = m[1] === "-";
  const [intPart, fracPart = ""] = m[2]!.split(".");
  const suffix = m[3] ?? "";
  let mantissa = BigInt((intPart ?? "") + fracPart || "0");
  let exp10 = -fracPart.length;
  let shift = 0n;
  let format: QuantityFormat = "DecimalSI";
  if (suffix in BINARY_SHIFT) {
    shift = BINARY_SHIFT[suffix]!;
    format = "BinarySI";
  } else if (suffix in DECIMAL_EXP) {
    exp10 += DECIMAL_EXP[suffix]!;
  } else if (suffix !== "") {
    exp10 += Number.parseInt(suffix.slice(1), 10);
    format = "DecimalExponent";
    if (Math.abs(exp10) > 1000) throw new AppcError(`invalid quantity ${JSON.stringify(text)}: exponent out of range`);
  }
  mantissa <<= shift;
  if (negative) mantissa = -mantissa;
  let num = mantissa;
  let den = 1n;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den = 10n ** BigInt(-exp10);
  return { text, num, den, value: divAway(num, den), milliValue: divAway(num * 1000n, den), format };
}

/** num / den rounded away from zero. */
function divAway(num: bigint, den: bigint): bigint {
  const q = num / den;
  if (q * den === num) return q;
  return num < 0n ? q - 1n : q + 1n;
}

/** Compares two quantities: negative, zero or positive. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}
