// The certificate authorities HTTPS servers are checked against: the system's store, as
// rkt (Go) used it, so that a CA an administrator adds to the system is trusted. Node's
// fetch would use its own bundled list instead.
//
// Like Go and OpenSSL, SSL_CERT_FILE names a PEM bundle to use instead of the system's, and
// SSL_CERT_DIR a directory of PEM certificates to add; NODE_EXTRA_CA_CERTS is added too.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

/** Where Linux distributions keep their CA bundle (Go's crypto/x509 list). */
const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Gentoo, Arch
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL
  "/etc/ssl/ca-bundle.pem", // openSUSE
  "/etc/pki/tls/cacert.pem", // OpenELEC
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS, RHEL 7
  "/etc/ssl/cert.pem", // Alpine
];

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

let cached: string[] | undefined;

export function systemCertificates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (cached && env === process.env) return cached;
  const out: string[] = [];
  const override = env.SSL_CERT_FILE;
  const bundle = override ? readText(override) : SYSTEM_BUNDLES.map(readText).find((t) => t !== undefined);
  if (bundle !== undefined) out.push(bundle);
  else if (!override) out.push(...(createRequire(import.meta.url)("node:tls") as typeof import("node:tls")).rootCertificates); // no system store at all: Node's own list
  if (env.SSL_CERT_DIR) {
    for (const dir of env.SSL_CERT_DIR.split(":").filter(Boolean)) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        const text = readText(join(dir, n));
        if (text?.includes("-----BEGIN CERTIFICATE-----")) out.push(text);
      }
    }
  }
  const extra = env.NODE_EXTRA_CA_CERTS ? readText(env.NODE_EXTRA_CA_CERTS) : undefined;
  if (extra) out.push(extra);
  if (env === process.env) cached = out;
  return out;
}
