/**
 * OCSP requests (RFC 6960 §4.1.1) read with the strict DER reader; anything that does not
 * parse becomes `OcspMalformedRequest`, which the responder answers as malformedRequest.
 *
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
 *     requestorName [1] EXPLICIT GeneralName OPTIONAL, requestList SEQUENCE OF Request,
 *     requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *   CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
 *     issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }
 */
import {
  DerDecodeError,
  contentOf,
  decodeBoolean,
  decodeOid,
  decodeUnsignedInteger,
  encodingOf,
  expectTag,
  readChildren,
  readRoot,
} from './asn1/der-reader.js';
import { OID } from './asn1/oids.js';

export class OcspMalformedRequest extends Error {
  override name = 'OcspMalformedRequest';
}

export interface OcspCertId {
  /** The CertID exactly as sent: echoed back byte for byte in the response. */
  der: Uint8Array;
  hashAlgorithmOid: string;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  serialHex: string;
}

export interface OcspRequest {
  certIds: OcspCertId[];
  /**
   * The nonce extension's extnValue content, if any: echoed back as it came. RFC 8954 asks
   * for a nonce of 1–32 bytes (wrapped in an OCTET STRING); we refuse only an empty
   * extnValue or one over 128 bytes, so a client with a longer or unwrapped nonce still
   * gets an answer while no request can make us echo much.
   */
  nonceExtensionValue: Uint8Array | null;
}

/** Requests are small; a bigger one is refused before parsing. */
export const MAX_OCSP_REQUEST_BYTES = 16 * 1024;
const MAX_CERT_IDS = 20;

export function parseOcspRequest(bytes: Uint8Array): OcspRequest {
  if (bytes.length === 0 || bytes.length > MAX_OCSP_REQUEST_BYTES)
    throw new OcspMalformedRequest('request size out of bounds');
  try {
    const root = expectTag(readRoot(bytes), 0x30, 'OCSPRequest');
    const [tbsRequest] = readChildren(bytes, root);
    const fields = readChildren(bytes, expectTag(tbsRequest, 0x30, 'TBSRequest'));
    let index = 0;
    if (fields[index]?.tag === 0xa0) index++;
    if (fields[index]?.tag === 0xa1) index++;
    const requestList = readChildren(bytes, expectTag(fields[index], 0x30, 'requestList'));
    if (requestList.length === 0 || requestList.length > MAX_CERT_IDS)
      throw new OcspMalformedRequest('requestList must hold 1–20 requests');
    const certIds = requestList.map((request) => {
      const [certId] = readChildren(bytes, expectTag(request, 0x30, 'Request'));
      const certIdElement = expectTag(certId, 0x30, 'CertID');
      const [algorithm, nameHash, keyHash, serial] = readChildren(bytes, certIdElement);
      const [algorithmOid] = readChildren(bytes, expectTag(algorithm, 0x30, 'hashAlgorithm'));
      return {
        der: encodingOf(bytes, certIdElement),
        hashAlgorithmOid: decodeOid(bytes, expectTag(algorithmOid, 0x06, 'hash algorithm')),
        issuerNameHash: contentOf(bytes, expectTag(nameHash, 0x04, 'issuerNameHash')),
        issuerKeyHash: contentOf(bytes, expectTag(keyHash, 0x04, 'issuerKeyHash')),
        serialHex: Buffer.from(decodeUnsignedInteger(bytes, expectTag(serial, 0x02, 'serialNumber'))).toString('hex'),
      };
    });
    let nonceExtensionValue: Uint8Array | null = null;
    const extensionsWrapper = fields[index + 1];
    if (extensionsWrapper) {
      const [extensions] = readChildren(bytes, expectTag(extensionsWrapper, 0xa2, 'requestExtensions'));
      for (const extension of readChildren(bytes, expectTag(extensions, 0x30, 'Extensions'))) {
        const parts = readChildren(bytes, expectTag(extension, 0x30, 'Extension'));
        const id = decodeOid(bytes, expectTag(parts[0], 0x06, 'extnID'));
        if (parts.length === 3) decodeBoolean(bytes, expectTag(parts[1], 0x01, 'critical'));
        const value = contentOf(bytes, expectTag(parts[parts.length - 1], 0x04, 'extnValue'));
        if (id === OID.ocspNonce) {
          if (value.length === 0 || value.length > 128) throw new OcspMalformedRequest('nonce length out of bounds');
          nonceExtensionValue = value;
        }
      }
    }
    return { certIds, nonceExtensionValue };
  } catch (error) {
    // Only the reader's own refusals are the client's fault; anything else is our bug and
    // must surface as one (the fuzz run in asn1/hostile-input.fuzz.test.ts looks for them).
    if (error instanceof DerDecodeError) throw new OcspMalformedRequest(error.message, { cause: error });
    throw error;
  }
}
