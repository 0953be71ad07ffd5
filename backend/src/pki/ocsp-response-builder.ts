/**
 * OCSP responses (RFC 6960 §4.2.1), assembled from DER parts:
 *
 *   OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
 *   ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER (id-pkix-ocsp-basic), response OCTET STRING }
 *   BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm, signature BIT STRING,
 *     certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 *   ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, responderID ResponderID,
 *     producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT OPTIONAL }
 *   ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }
 *   SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate GeneralizedTime,
 *     nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT OPTIONAL }
 *   CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }
 *   RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
 */
import { REVOCATION_REASON_CODES } from '@pki/shared';
import type { RevocationReason } from '@pki/shared';

import * as der from './asn1/der-writer.js';
import { OID } from './asn1/oids.js';
import { extension } from './extensions.js';

export const OCSP_RESPONSE_STATUS = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;
export type OcspResponseStatus = keyof typeof OCSP_RESPONSE_STATUS;

/** An error response: status only, no responseBytes (§4.2.1). */
export function ocspErrorResponse(status: Exclude<OcspResponseStatus, 'successful'>): Buffer {
  return der.sequence(der.enumerated(OCSP_RESPONSE_STATUS[status]));
}

export type CertStatus =
  { status: 'good' } | { status: 'unknown' } | { status: 'revoked'; revokedAt: Date; reason: RevocationReason | null };

export interface SingleResponseParts {
  certIdDer: Uint8Array;
  certStatus: CertStatus;
  thisUpdate: Date;
  nextUpdate: Date;
}

const GOOD = Buffer.from([0x80, 0x00]);
const UNKNOWN = Buffer.from([0x82, 0x00]);

export function encodeSingleResponse(parts: SingleResponseParts): Buffer {
  let status: Buffer;
  switch (parts.certStatus.status) {
    case 'good':
      status = GOOD;
      break;
    case 'unknown':
      status = UNKNOWN;
      break;
    case 'revoked': {
      const { revokedAt, reason } = parts.certStatus;
      const fields = [der.generalizedTime(revokedAt)];
      if (reason && reason !== 'unspecified')
        fields.push(der.explicit(0, der.enumerated(REVOCATION_REASON_CODES[reason])));
      status = der.implicitConstructed(1, ...fields);
      break;
    }
  }
  return der.sequence(
    parts.certIdDer,
    status,
    der.generalizedTime(parts.thisUpdate),
    der.explicit(0, der.generalizedTime(parts.nextUpdate)),
  );
}

export interface ResponseDataParts {
  /** SHA-1 of the responder key's subjectPublicKey bits (§4.2.2.3). */
  responderKeyHash: Uint8Array;
  producedAt: Date;
  singleResponses: readonly Uint8Array[];
  nonceExtensionValue: Uint8Array | null;
}

export function encodeResponseData(parts: ResponseDataParts): Buffer {
  const fields: Uint8Array[] = [
    der.explicit(2, der.octetString(parts.responderKeyHash)),
    der.generalizedTime(parts.producedAt),
    der.sequence(...parts.singleResponses),
  ];
  if (parts.nonceExtensionValue) {
    fields.push(der.explicit(1, der.sequence(extension(OID.ocspNonce, false, parts.nonceExtensionValue))));
  }
  return der.sequence(...fields);
}

export function assembleOcspResponse(
  responseData: Uint8Array,
  signatureAlgorithm: Uint8Array,
  signature: Uint8Array,
  responderCertificates: readonly Uint8Array[],
): Buffer {
  const basicFields: Uint8Array[] = [responseData, signatureAlgorithm, der.bitString(signature)];
  if (responderCertificates.length > 0) basicFields.push(der.explicit(0, der.sequence(...responderCertificates)));
  const basic = der.sequence(...basicFields);
  return der.sequence(
    der.enumerated(OCSP_RESPONSE_STATUS.successful),
    der.explicit(0, der.sequence(der.oid(OID.ocspBasic), der.octetString(basic))),
  );
}
