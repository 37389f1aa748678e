// @rkt/trust: the keystore of trusted keys and the verification of image signatures.
// Importing this package does not load openpgp; verifying or reading a key does.
export { TrustError, type TrustErrorCode, type TrustErrorDetails } from "./errors.js";
export { fingerprintFileName, formatFingerprint, isFingerprint } from "./fingerprint.js";
export { Keystore, type KeyScope, type KeystoreDirs, type TrustedKeyFile } from "./keystore.js";
export { keyInfo, readPublicKey, type ParsedKey, type PublicKeyInfo } from "./pgp.js";
export { checkSignerTrusted, verifyFile, type Signer } from "./verify.js";
