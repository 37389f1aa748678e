// OpenPGP fingerprints as rkt shows and stores them.

/** The file name of a key in the keystore: the fingerprint in lower-case hex. */
export function fingerprintFileName(fingerprint: string): string {
  return fingerprint.toLowerCase();
}

/**
 * rkt's fingerToString: upper-case hex in groups of four, with a double space in the
 * middle ("8B86 DE38 890D DB72 9186  7B02 5210 BD88 8818 2190").
 */
export function formatFingerprint(fingerprint: string): string {
  const hex = fingerprint.toUpperCase();
  let out = "";
  for (let i = 0; i < hex.length; i += 4) {
    if (i > 0) out += i === hex.length / 2 ? "  " : " ";
    out += hex.slice(i, i + 4);
  }
  return out;
}

/** True for a 40-hex-digit (v4) or 64-hex-digit (v6) fingerprint. */
export function isFingerprint(s: string): boolean {
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(s);
}
