/**
 * Sealing a private key to the `local` driver's age identity and opening it again. The
 * sealed form is the binary age format, so `age -d -i identity.age` opens it too.
 */
import { Decrypter, Encrypter } from 'age-encryption';

import { KmsUnavailable } from '../../kmip/errors.js';
import type { AgeIdentity } from './age-identity.js';

/** Seals the PKCS#8 DER and wipes the plaintext buffer. */
export async function sealToIdentity(identity: AgeIdentity, pkcs8: Buffer): Promise<Uint8Array> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(identity.recipient);
  const sealed = await encrypter.encrypt(pkcs8);
  pkcs8.fill(0);
  return sealed;
}

export async function openWithIdentity(identity: AgeIdentity, sealed: Uint8Array): Promise<Uint8Array> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity.secretKey);
  try {
    // age-encryption is written for plain Uint8Arrays; a storage may hand back a Buffer.
    return await decrypter.decrypt(new Uint8Array(sealed.buffer, sealed.byteOffset, sealed.byteLength));
  } catch (error) {
    throw new KmsUnavailable(
      `a sealed key does not open with ${identity.path}; was the identity replaced?`,
      { operation: 'unseal' },
      { cause: error },
    );
  }
}
