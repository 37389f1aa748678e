// Where an image's detached signature is: --signature, `<file minus .aci>.aci.asc` beside a
// local image, `<url minus .aci>.aci.asc` for a remote one, or what discovery said.

/** rkt's ascPathFromImgPath: `x.aci` → `x.aci.asc`, anything else → `x.aci.asc` too. */
export function ascPathFor(path: string): string {
  return `${path.replace(/\.aci$/, "")}.aci.asc`;
}

/** The signature URL beside an image URL: the same URL with the path changed, query kept. */
export function ascUrlFor(url: string): string {
  const u = new URL(url);
  u.pathname = ascPathFor(u.pathname);
  return u.toString();
}
