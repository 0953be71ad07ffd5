/**
 * The PKCS#10 request (RFC 2986) of a sub-CA whose certificate an external root will sign.
 * A rare path, so it is built with pkijs's CertificationRequest: the TBS is encoded by
 * pkijs, signed through the KMS (the CA key never leaves it), and the signature attached,
 * the "create with a signature computed elsewhere" seam of PKI.js. It asks for
 * basicConstraints cA=TRUE and the CA key usages in an extensionRequest attribute.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

import type { KeyAlgorithm } from '@pki/shared';

import type { RequestContext } from '../request-context.js';
import { OID } from './asn1/oids.js';
import * as ext from './extensions.js';
import { signTbs, signatureAlgorithmFor } from './kms-signer.js';
import type { PkiKms } from './kms-signer.js';
import { keyIdentifier } from './public-key.js';
import { bufferSource } from './buffer-source.js';

export async function buildSubordinateCsr(
  kms: Pick<PkiKms, 'sign'>,
  ctx: RequestContext,
  request: { keyId: string; keyAlgorithm: KeyAlgorithm; subjectName: Uint8Array; subjectPublicKeyInfo: Uint8Array },
): Promise<Uint8Array> {
  const requestedExtensions = [
    ext.basicConstraints(true, null),
    ext.keyUsage(['digitalSignature', 'keyCertSign', 'cRLSign']),
    ext.subjectKeyIdentifier(keyIdentifier(request.subjectPublicKeyInfo)),
  ].map((encoded) => pkijs.Extension.fromBER(bufferSource(encoded)));
  const csr = new pkijs.CertificationRequest({
    version: 0,
    subject: pkijs.RelativeDistinguishedNames.fromBER(bufferSource(request.subjectName)),
    subjectPublicKeyInfo: pkijs.PublicKeyInfo.fromBER(bufferSource(request.subjectPublicKeyInfo)),
    attributes: [
      new pkijs.Attribute({
        type: OID.extensionRequest,
        values: [new pkijs.Extensions({ extensions: requestedExtensions }).toSchema()],
      }),
    ],
  });
  const tbsSchema = csr.toSchema(true).valueBlock.value[0];
  if (!tbsSchema) throw new Error('pkijs produced no CertificationRequestInfo');
  const tbs = new Uint8Array(tbsSchema.toBER(false));
  const algorithm = signatureAlgorithmFor(request.keyAlgorithm);
  const signature = await signTbs(kms, ctx, request.keyId, algorithm, tbs);
  csr.tbsView = tbs;
  csr.signatureAlgorithm = pkijs.AlgorithmIdentifier.fromBER(bufferSource(algorithm.algorithmIdentifier));
  csr.signatureValue = new asn1js.BitString({ valueHex: signature });
  return new Uint8Array(csr.toSchema(false).toBER(false));
}
