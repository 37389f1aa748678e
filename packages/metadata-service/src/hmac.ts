// The identity endpoint's HMAC: HMAC-SHA512 over the pod's UUID (its 16 bytes) and the
// content, with a key made when the service starts and never written anywhere (rkt's).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export class PodSigner {
  private readonly key = randomBytes(64);

  sign(uuid: string, content: string): Buffer {
    return createHmac("sha512", this.key).update(Buffer.from(uuid.replace(/-/g, ""), "hex")).update(content).digest();
  }

  verify(uuid: string, content: string, signature: Buffer): boolean {
    const expected = this.sign(uuid, content);
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}
