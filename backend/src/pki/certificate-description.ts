/**
 * Decodes a certificate for people: every extension by name with its values (RFC 5280
 * §4.2), the public key, both fingerprints. node:crypto's X509Certificate gives the names,
 * key and fingerprints; pkijs decodes the extensions. Also reads what it can of a CSR the
 * strict parser refused (csr.ts), so the wizard can still show the subject beside the reason.
 */
import { X509Certificate, createHash, createPublicKey } from 'node:crypto';

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

import type { CertificateExtension, CsrPreview } from '@pki/shared';

import { bufferSource } from './buffer-source.js';
import { decodeCsrInput } from './csr.js';

const EXTENSION_NAMES: Record<string, string> = {
  '2.5.29.14': 'Subject Key Identifier',
  '2.5.29.15': 'Key Usage',
  '2.5.29.17': 'Subject Alternative Name',
  '2.5.29.19': 'Basic Constraints',
  '2.5.29.30': 'Name Constraints',
  '2.5.29.31': 'CRL Distribution Points',
  '2.5.29.32': 'Certificate Policies',
  '2.5.29.35': 'Authority Key Identifier',
  '2.5.29.37': 'Extended Key Usage',
  '1.3.6.1.5.5.7.1.1': 'Authority Information Access',
  '1.3.6.1.5.5.7.48.1.5': 'OCSP No Check',
};

const OID_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'TLS Web Server Authentication',
  '1.3.6.1.5.5.7.3.2': 'TLS Web Client Authentication',
  '1.3.6.1.5.5.7.3.3': 'Code Signing',
  '1.3.6.1.5.5.7.3.4': 'E-mail Protection',
  '1.3.6.1.5.5.7.3.9': 'OCSP Signing',
  '1.3.6.1.5.5.7.48.1': 'OCSP',
  '1.3.6.1.5.5.7.48.2': 'CA Issuers',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
};

const KEY_USAGE_NAMES = [
  'Digital Signature',
  'Non Repudiation',
  'Key Encipherment',
  'Data Encipherment',
  'Key Agreement',
  'Certificate Sign',
  'CRL Sign',
  'Encipher Only',
  'Decipher Only',
];

const GENERAL_NAME_LABELS: Record<number, string> = { 1: 'email', 2: 'DNS', 4: 'DirName', 6: 'URI', 7: 'IP' };

const hex = (bytes: ArrayBuffer | Uint8Array) =>
  Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');
const colonHex = (text: string) => text.match(/../g)?.join(':').toUpperCase() ?? '';
const nameOf = (oid: string) => OID_NAMES[oid] ?? oid;

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function formatGeneralName(name: pkijs.GeneralName): string {
  const label = GENERAL_NAME_LABELS[name.type] ?? `type ${name.type}`;
  if (name.type === 7 && name.value instanceof asn1js.OctetString)
    return `IP:${formatIp(name.value.valueBlock.valueHexView)}`;
  if (name.type === 4 && name.value instanceof pkijs.RelativeDistinguishedNames) {
    return `DirName:${name.value.typesAndValues.map((item) => `${nameOf(item.type)}=${String(item.value.valueBlock.value)}`).join(',')}`;
  }
  return `${label}:${String(name.value)}`;
}

function decodeExtension(extension: pkijs.Extension): string[] {
  const value: unknown = extension.parsedValue;
  if (value instanceof pkijs.BasicConstraints) {
    const pathLength =
      typeof value.pathLenConstraint === 'number'
        ? value.pathLenConstraint
        : value.pathLenConstraint?.valueBlock.valueDec;
    return [`CA:${value.cA ? 'TRUE' : 'FALSE'}`, ...(pathLength === undefined ? [] : [`pathlen:${pathLength}`])];
  }
  if (value instanceof asn1js.BitString && extension.extnID === '2.5.29.15') {
    const bytes = value.valueBlock.valueHexView;
    return KEY_USAGE_NAMES.filter((_, bit) => ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
  }
  if (value instanceof pkijs.ExtKeyUsage) return value.keyPurposes.map(nameOf);
  if (value instanceof pkijs.AltName) return value.altNames.map(formatGeneralName);
  if (value instanceof asn1js.OctetString) return [colonHex(hex(value.valueBlock.valueHexView))];
  if (value instanceof pkijs.AuthorityKeyIdentifier) {
    return value.keyIdentifier ? [`keyid:${colonHex(hex(value.keyIdentifier.valueBlock.valueHexView))}`] : [];
  }
  if (value instanceof pkijs.CRLDistributionPoints) {
    return value.distributionPoints.flatMap((point) =>
      Array.isArray(point.distributionPoint) ? point.distributionPoint.map(formatGeneralName) : [],
    );
  }
  if (value instanceof pkijs.InfoAccess) {
    return value.accessDescriptions.map(
      (description) => `${nameOf(description.accessMethod)} - ${formatGeneralName(description.accessLocation)}`,
    );
  }
  if (value instanceof pkijs.CertificatePolicies)
    return value.certificatePolicies.map((policy) => `Policy: ${policy.policyIdentifier}`);
  if (extension.extnID === '1.3.6.1.5.5.7.48.1.5') return ['present'];
  return [`DER: ${hex(extension.extnValue.valueBlock.valueHexView)}`];
}

export interface DecodedCertificate {
  subjectDn: string;
  issuerDn: string;
  notAfter: string;
  publicKey: { type: string; size: number | null; curve: string | null; spkiSha256: string };
  signatureAlgorithm: string;
  fingerprints: { sha256: string; sha1: string };
  extensions: CertificateExtension[];
}

/** One line per RDN, as node:crypto prints them, joined RFC 4514 style (most specific first). */
const dnOf = (text: string) => text.split('\n').reverse().join(',');

export function describeCertificateDer(der: Uint8Array): DecodedCertificate {
  const x509 = new X509Certificate(der);
  const parsed = pkijs.Certificate.fromBER(bufferSource(der));
  const details = x509.publicKey.asymmetricKeyDetails;
  const spki = x509.publicKey.export({ type: 'spki', format: 'der' });
  return {
    subjectDn: dnOf(x509.subject),
    issuerDn: dnOf(x509.issuer),
    notAfter: new Date(x509.validTo).toISOString(),
    publicKey: {
      type: x509.publicKey.asymmetricKeyType ?? 'unknown',
      size: details?.modulusLength ?? (details?.namedCurve ? curveBits(details.namedCurve) : null),
      curve: details?.namedCurve ?? null,
      spkiSha256: createHash('sha256').update(spki).digest('hex'),
    },
    signatureAlgorithm: nameOf(parsed.signatureAlgorithm.algorithmId),
    fingerprints: { sha256: x509.fingerprint256, sha1: x509.fingerprint },
    extensions: (parsed.extensions ?? []).map((extension) => ({
      oid: extension.extnID,
      name: EXTENSION_NAMES[extension.extnID] ?? extension.extnID,
      isCritical: extension.critical,
      values: decodeExtension(extension),
    })),
  };
}

function curveBits(curve: string): number | null {
  const bits = /(\d{3})/.exec(curve)?.[1];
  return bits === undefined ? null : Number(bits);
}

/**
 * Whatever of a CSR pkijs can read (subject, requested SANs, key), for a CSR the strict
 * parser refused; null when it is not a PKCS#10 request at all.
 */
export function describeCsrFallback(
  input: string,
): Pick<
  CsrPreview,
  'subjectDn' | 'commonName' | 'subject' | 'sans' | 'keyType' | 'keySize' | 'signatureAlgorithm' | 'isSignatureValid'
> | null {
  try {
    const der = decodeCsrInput(input);
    const request = pkijs.CertificationRequest.fromBER(bufferSource(der));
    const subject = request.subject.typesAndValues.map((item) => ({
      name: ATTRIBUTE_LABELS[item.type] ?? item.type,
      value: String(item.value.valueBlock.value),
    }));
    const sans: string[] = [];
    for (const attribute of request.attributes ?? []) {
      if (attribute.type !== '1.2.840.113549.1.9.14') continue;
      const extensions = new pkijs.Extensions({ schema: attribute.values[0] });
      for (const extension of extensions.extensions) {
        if (extension.parsedValue instanceof pkijs.AltName)
          sans.push(...extension.parsedValue.altNames.map(formatGeneralName));
      }
    }
    const key = createPublicKey({
      key: Buffer.from(request.subjectPublicKeyInfo.toSchema().toBER()),
      format: 'der',
      type: 'spki',
    });
    const details = key.asymmetricKeyDetails;
    const keyType = key.asymmetricKeyType === 'rsa' ? 'rsa' : key.asymmetricKeyType === 'ec' ? 'ec' : null;
    return {
      subjectDn: [...subject]
        .reverse()
        .map((item) => `${item.name}=${item.value}`)
        .join(','),
      commonName: subject.find((item) => item.name === 'CN')?.value ?? null,
      subject,
      sans: sans.map(toSanString),
      keyType,
      keySize: details?.modulusLength ?? (details?.namedCurve ? curveBits(details.namedCurve) : null),
      signatureAlgorithm: nameOf(request.signatureAlgorithm.algorithmId),
      isSignatureValid: null,
    };
  } catch {
    return null;
  }
}

/** "DNS:example.com" → "dns:example.com", the SAN form the API takes. */
function toSanString(text: string): string {
  const [label = '', ...rest] = text.split(':');
  const type = { DNS: 'dns', IP: 'ip', email: 'email', URI: 'uri' }[label];
  return type ? `${type}:${rest.join(':')}` : text;
}

const ATTRIBUTE_LABELS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
};
