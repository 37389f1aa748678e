import { describe, expect, it } from "vitest";
import { AppcError } from "./errors.js";
import { compareQuantities, parseQuantity } from "./quantity.js";

describe("parseQuantity", () => {
  it.each([
    ["16Mi", 16777216n, "BinarySI"],
    ["1Ki", 1024n, "BinarySI"],
    ["2Gi", 2147483648n, "BinarySI"],
    ["1Ei", 1152921504606846976n, "BinarySI"],
    ["50M", 50000000n, "DecimalSI"],
    ["1G", 1000000000n, "DecimalSI"],
    ["1k", 1000n, "DecimalSI"],
    ["4096", 4096n, "DecimalSI"],
    ["1.5", 2n, "DecimalSI"],
    ["1.5Gi", 1610612736n, "BinarySI"],
    ["2e3", 2000n, "DecimalExponent"],
    ["5E-1", 1n, "DecimalExponent"],
    ["+7", 7n, "DecimalSI"],
    ["0", 0n, "DecimalSI"],
    [".5k", 500n, "DecimalSI"],
    ["1.", 1n, "DecimalSI"],
  ] as const)("%s = %s (rounded up)", (text, value, format) => {
    const q = parseQuantity(text);
    expect(q.value).toBe(value);
    expect(q.format).toBe(format);
    expect(q.text).toBe(text);
  });

  it("keeps milli-precision for cpu values", () => {
    expect(parseQuantity("500m").milliValue).toBe(500n);
    expect(parseQuantity("500m").value).toBe(1n);
    expect(parseQuantity("1.5").milliValue).toBe(1500n);
    expect(parseQuantity("2").milliValue).toBe(2000n);
    expect(parseQuantity("250u").milliValue).toBe(1n);
    expect(parseQuantity("0.0001").milliValue).toBe(1n);
    expect(parseQuantity("30m").milliValue).toBe(30n);
  });

  it("is exact: 16m is 16 milli-bytes, not megabytes", () => {
    const q = parseQuantity("16m");
    expect(q.num).toBe(16n);
    expect(q.den).toBe(1000n);
    expect(q.value).toBe(1n);
  });

  it("handles negative values and big exact values", () => {
    expect(parseQuantity("-1.5").value).toBe(-2n);
    expect(parseQuantity("-250m").milliValue).toBe(-250n);
    expect(parseQuantity("123456789012345678901234567890").value).toBe(123456789012345678901234567890n);
  });

  it.each(["", " 1", "1 ", "1Kb", "1mi", "Mi", "1..5", "abc", "1e", "--1", "1.5.5", "0x10", "1,5"])("rejects %j", (text) => {
    expect(() => parseQuantity(text)).toThrow(AppcError);
    expect(() => parseQuantity(text)).toThrow(`invalid quantity ${JSON.stringify(text)}`);
  });

  it("compares quantities of different formats", () => {
    expect(compareQuantities(parseQuantity("1Gi"), parseQuantity("1G"))).toBe(1);
    expect(compareQuantities(parseQuantity("1000M"), parseQuantity("1G"))).toBe(0);
    expect(compareQuantities(parseQuantity("500m"), parseQuantity("1"))).toBe(-1);
  });
});
