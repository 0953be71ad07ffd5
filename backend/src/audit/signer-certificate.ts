/**
 * The audit signer's self-signed certificate (RFC 5280 §4.1): it names the key that signs
 * checkpoints, so an auditor can pin it (`GET /audit/signer.pem`, its SHA-256 fingerprint).
 * Built with pkijs, its TBS signed by the audit key itself through the KMS (the key never
 * leaves the key store). It is no CA: basicConstraints cA=FALSE and keyUsage
 * digitalSignature only (critical), so no relying party could take it for an issuer.
 *
 * pki/ builds the CA certificates; this one lives beside the audit module because audit/
 * may not import pki/ (eslint lowerLayer zone), and it needs no profile, serial policy or
 * CRL endpoints of a CA.
 */
import { createHash, randomBytes } from 'node:crypto';

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

import type { HashAlgorithm, SignatureScheme } from '@pki/shared';

/** RFC 5758 §3.2 (ecdsa-with-SHA256, no parameters) and RFC 4055 §5 (sha256WithRSAEncryption, NULL). */
const SIGNATURE_OIDS: Record<'ecdsa' | 'rsa-pkcs1-v1_5', string> = {
  ecdsa: '1.2.840.10045.4.3.2',
  'rsa-pkcs1-v1_5': '1.2.840.113549.1.1.11',
};
const COMMON_NAME_OID = '2.5.4.3';
const ORGANIZATION_OID = '2.5.4.10';
const BASIC_CONSTRAINTS_OID = '2.5.29.19';
const KEY_USAGE_OID = '2.5.29.15';
const SUBJECT_KEY_IDENTIFIER_OID = '2.5.29.14';
const VALIDITY_YEARS = 10;

export interface SignerCertificateRequest {
  subjectPublicKeyInfo: Uint8Array;
  scheme: 'ecdsa' | 'rsa-pkcs1-v1_5';
  /** Signs the TBSCertificate DER with the audit key (SHA-256). */
  sign: (tbs: Uint8Array, scheme: SignatureScheme, hash: HashAlgorithm) => Promise<Uint8Array>;
  now: Date;
}

export async function buildSignerCertificate(request: SignerCertificateRequest): Promise<Uint8Array> {
  const name = new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({
        type: ORGANIZATION_OID,
        value: new asn1js.Utf8String({ value: 'PKI Manager' }),
      }),
      new pkijs.AttributeTypeAndValue({
        type: COMMON_NAME_OID,
        value: new asn1js.Utf8String({ value: 'audit signer' }),
      }),
    ],
  });
  const algorithm = new pkijs.AlgorithmIdentifier({
    algorithmId: SIGNATURE_OIDS[request.scheme],
    ...(request.scheme === 'rsa-pkcs1-v1_5' ? { algorithmParams: new asn1js.Null() } : {}),
  });
  const notBefore = new Date(Math.floor(request.now.getTime() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  const certificate = new pkijs.Certificate({
    version: 2,
    serialNumber: new asn1js.Integer({ valueHex: signerSerial() }),
    signature: algorithm,
    issuer: name,
    subject: name,
    notBefore: new pkijs.Time({ type: pkijs.TimeType.UTCTime, value: notBefore }),
    notAfter: new pkijs.Time({ type: pkijs.TimeType.UTCTime, value: notAfter }),
    subjectPublicKeyInfo: pkijs.PublicKeyInfo.fromBER(new Uint8Array(request.subjectPublicKeyInfo)),
    extensions: [
      new pkijs.Extension({
        extnID: BASIC_CONSTRAINTS_OID,
        critical: true,
        extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(false),
      }),
      new pkijs.Extension({
        extnID: KEY_USAGE_OID,
        critical: true,
        // digitalSignature is bit 0: one byte 0x80 with 7 unused bits.
        extnValue: new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 }).toBER(false),
      }),
      new pkijs.Extension({
        extnID: SUBJECT_KEY_IDENTIFIER_OID,
        critical: false,
        extnValue: new asn1js.OctetString({ valueHex: subjectKeyIdentifier(request.subjectPublicKeyInfo) }).toBER(
          false,
        ),
      }),
    ],
  });
  const tbs = new Uint8Array(certificate.encodeTBS().toBER(false));
  const signature = await request.sign(tbs, request.scheme, 'sha-256');
  certificate.tbsView = tbs;
  certificate.signatureAlgorithm = algorithm;
  certificate.signatureValue = new asn1js.BitString({ valueHex: signature });
  return new Uint8Array(certificate.toSchema(false).toBER(false));
}

/**
 * A positive 64-bit serial in minimal DER: the high bit cleared so it needs no leading zero,
 * and a first byte of zero drawn again, because DER forbids a leading zero byte before one
 * below 0x80 and OpenSSL refuses such a certificate outright (one draw in 256 did that).
 */
export function signerSerial(draw: (size: number) => Uint8Array = randomBytes): Uint8Array {
  for (;;) {
    const serial = draw(8);
    serial[0] = (serial[0] ?? 0) & 0x7f;
    if (serial[0] !== 0) return serial;
  }
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bytes. */
function subjectKeyIdentifier(spki: Uint8Array): Uint8Array {
  const info = pkijs.PublicKeyInfo.fromBER(new Uint8Array(spki));
  return createHash('sha1').update(info.subjectPublicKey.valueBlock.valueHexView).digest();
}
