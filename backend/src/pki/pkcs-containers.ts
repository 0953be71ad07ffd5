/**
 * The two container formats certificates are exported in: PKCS#7 certs-only (RFC 5652
 * SignedData with no signers, RFC 8551 "degenerate" form) and password-protected PKCS#12
 * (RFC 7292). Both are rare paths and are built with pkijs; PKCS#12 uses PBES2
 * (PBKDF2-HMAC-SHA-256, AES-256-CBC) for the key and certificates and an HMAC-SHA-256 MAC,
 * which OpenSSL 3 and current browsers read.
 */
import { webcrypto } from 'node:crypto';

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

import { bufferSource } from './buffer-source.js';

const engine = new pkijs.CryptoEngine({
  name: 'node-webcrypto',
  // pkijs types its engine against the DOM's Crypto, which node's webcrypto implements.
  crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'],
});
const PBKDF2_ITERATIONS = 100_000;
const BAG_KEY = '1.2.840.113549.1.12.10.1.2';
const BAG_CERTIFICATE = '1.2.840.113549.1.12.10.1.3';
const CERT_TYPE_X509 = '1.2.840.113549.1.9.22.1';
const ATTRIBUTE_LOCAL_KEY_ID = '1.2.840.113549.1.9.21';
const ATTRIBUTE_FRIENDLY_NAME = '1.2.840.113549.1.9.20';

const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer => {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
};

/** PKCS#7 / CMS SignedData carrying certificates only (no content, no signers). */
export function pkcs7CertsOnly(certificates: readonly Uint8Array[]): Uint8Array {
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: pkijs.ContentInfo.DATA }),
    certificates: certificates.map((der) => pkijs.Certificate.fromBER(bufferSource(der))),
    signerInfos: [],
  });
  const contentInfo = new pkijs.ContentInfo({
    contentType: pkijs.ContentInfo.SIGNED_DATA,
    content: signedData.toSchema(true),
  });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}

export interface Pkcs12Input {
  /** PKCS#8 PrivateKeyInfo DER; the caller zeroes it afterwards. */
  privateKeyPkcs8: Uint8Array;
  certificate: Uint8Array;
  /** Issuers, nearest first. */
  chain: readonly Uint8Array[];
  password: string;
  friendlyName: string;
}

export async function pkcs12(input: Pkcs12Input): Promise<Uint8Array> {
  const password = toArrayBuffer(Buffer.from(input.password, 'utf8'));
  const encryption = {
    password,
    // pkijs generates the IV itself; its type asks for one anyway.
    contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 } as pkijs.ContentEncryptionAlgorithm,
    hmacHashAlgorithm: 'SHA-256',
    iterationCount: PBKDF2_ITERATIONS,
  };
  const localKeyId = new Uint8Array(await webcrypto.subtle.digest('SHA-1', input.certificate));
  const bagAttributes = [
    new pkijs.Attribute({
      type: ATTRIBUTE_FRIENDLY_NAME,
      values: [new asn1js.BmpString({ value: input.friendlyName })],
    }),
    new pkijs.Attribute({ type: ATTRIBUTE_LOCAL_KEY_ID, values: [new asn1js.OctetString({ valueHex: localKeyId })] }),
  ];

  const keyBag = new pkijs.PKCS8ShroudedKeyBag({
    parsedValue: pkijs.PrivateKeyInfo.fromBER(bufferSource(input.privateKeyPkcs8)),
  });
  await keyBag.makeInternalValues(encryption, engine);

  const certificateBags = [input.certificate, ...input.chain].map(
    (der, index) =>
      new pkijs.SafeBag({
        bagId: BAG_CERTIFICATE,
        bagValue: new pkijs.CertBag({
          certId: CERT_TYPE_X509,
          parsedValue: pkijs.Certificate.fromBER(bufferSource(der)),
        }),
        ...(index === 0 ? { bagAttributes } : {}),
      }),
  );

  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: [
            {
              privacyMode: 0,
              value: new pkijs.SafeContents({
                safeBags: [new pkijs.SafeBag({ bagId: BAG_KEY, bagValue: keyBag, bagAttributes })],
              }),
            },
            { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certificateBags }) },
          ],
        },
      }),
    },
  });
  const authenticatedSafe = pfx.parsedValue?.authenticatedSafe;
  if (!authenticatedSafe) throw new Error('pkijs PFX lost its authenticated safe');
  await authenticatedSafe.makeInternalValues({ safeContents: [{}, encryption] }, engine);
  await pfx.makeInternalValues(
    { password, iterations: PBKDF2_ITERATIONS, pbkdf2HashAlgorithm: 'SHA-256', hmacHashAlgorithm: 'SHA-256' },
    engine,
  );
  return new Uint8Array(pfx.toSchema().toBER(false));
}
