/**
 * The certificate inventory's reads: `list` (filters, sorts, keyset cursor), the CSV export
 * of the same filter, `describe` (every extension decoded, fingerprints, chain) and the
 * wizard's CSR preview. Nothing here writes or signs, so nothing is audited; the preview runs
 * the issuance path's own validation (csr.ts, profile-policy.ts, certificate-template.ts)
 * and returns its refusal instead of throwing it.
 */
import { CertificateFilterSchema, DescribeCertificateInput, ListCertificatesInput, PreviewCsrInput } from '@pki/shared';
import type {
  CertificateCsv,
  CertificateDescription,
  CertificateFilter,
  CertificatePage,
  CertificateSort,
  CsrPreview,
  KeyAlgorithm,
} from '@pki/shared';

import type { CertificatePageCursor, CertificatePageQuery } from '../db/certificate-page-query.js';
import type { CertificateRepository } from '../db/certificate-repository.js';
import { AppError, ValidationError } from '../errors.js';
import type { CaDirectory } from './ca-directory.js';
import { describeCertificateDer, describeCsrFallback } from './certificate-description.js';
import { toCsv } from './certificate-csv.js';
import { checkIssuerLimits } from './certificate-template.js';
import { parseCsr } from './csr.js';
import { decideForCsr } from './csr-policy.js';
import { toCertificateSummary } from './dto.js';
import { pkiErrors } from './errors.js';
import { issuerChainDer } from './issuer-chain.js';
import type { PkiKms } from './kms-signer.js';
import { formatDn, formatSan } from './names.js';
import type { NameAttribute } from './names.js';
import { parseInput } from './parse-input.js';
import { toPem } from './pem.js';

/** One export carries at most this many rows; the response says when the filter matched more. */
export const MAX_CSV_ROWS = 200_000;

export interface CertificateReadServiceDependencies {
  certificates: CertificateRepository;
  directory: CaDirectory;
  kms: Pick<PkiKms, 'findKey'>;
  now?: () => Date;
}

export class CertificateReadService {
  readonly #deps: CertificateReadServiceDependencies;
  readonly #now: () => Date;

  constructor(dependencies: CertificateReadServiceDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
  }

  list(rawInput: ListCertificatesInput = {}): CertificatePage {
    const input = parseInput(ListCertificatesInput, rawInput);
    const query = this.#pageQuery(input);
    const page = this.#deps.certificates.listPage({
      ...query,
      ...(input.cursor ? { cursor: decodeCursor(input.cursor, query.sort) } : {}),
      limit: input.limit,
    });
    return {
      items: page.rows.map((row) => toCertificateSummary(row, this.#keyExportState(row.keyId))),
      nextCursor: page.nextCursor === null ? null : encodeCursor(query.sort, page.nextCursor),
    };
  }

  /** SQLite's plan for a list call: the proof, in tests, that each filter is index-served. */
  explainList(rawInput: ListCertificatesInput = {}): string[] {
    const input = parseInput(ListCertificatesInput, rawInput);
    const query = this.#pageQuery(input);
    return this.#deps.certificates.explainPage({
      ...query,
      ...(input.cursor ? { cursor: decodeCursor(input.cursor, query.sort) } : {}),
      limit: input.limit,
    });
  }

  exportCsv(rawInput: CertificateFilter = {}): CertificateCsv {
    const input = parseInput(CertificateFilterSchema, rawInput);
    const rows: ReturnType<typeof toCertificateSummary>[] = [];
    let isTruncated = false;
    for (const row of this.#deps.certificates.iterateAll(this.#pageQuery(input))) {
      if (rows.length === MAX_CSV_ROWS) {
        isTruncated = true;
        break;
      }
      rows.push(toCertificateSummary(row));
    }
    const caNames = new Map(this.#deps.directory.list().map((record) => [record.row.id, record.row.name]));
    return {
      filename: `certificates-${this.#now().toISOString().slice(0, 19).replace(/:/g, '')}.csv`,
      csv: toCsv(rows, caNames),
      rowCount: rows.length,
      isTruncated,
    };
  }

  describe(rawInput: DescribeCertificateInput): CertificateDescription {
    const { id } = parseInput(DescribeCertificateInput, rawInput);
    const row = this.#deps.certificates.findById(id);
    if (!row) throw pkiErrors.certificateNotFound(id);
    const decoded = describeCertificateDer(row.der);
    const issuers = issuerChainDer(this.#deps.directory, row.caId).map(describeCertificateDer);
    const issuerCaIds: (string | null)[] = [];
    for (let caId: string | null = row.caId; caId !== null && issuerCaIds.length < issuers.length;) {
      issuerCaIds.push(caId);
      caId = this.#deps.directory.get(caId).row.parentId;
    }
    return {
      certificate: toCertificateSummary(row, this.#keyExportState(row.keyId)),
      issuerDn: decoded.issuerDn,
      publicKey: decoded.publicKey,
      signatureAlgorithm: decoded.signatureAlgorithm,
      fingerprints: decoded.fingerprints,
      extensions: decoded.extensions,
      chain: [
        { subjectDn: row.subjectDn, notAfter: row.notAfter.toISOString(), caId: null },
        ...issuers.map((issuer, index) => ({
          subjectDn: issuer.subjectDn,
          notAfter: issuer.notAfter,
          caId: issuerCaIds[index] ?? null,
        })),
      ],
      certificatePem: toPem('CERTIFICATE', row.der),
    };
  }

  /** What issueFromCsr would do with this CSR: parsed fields, and the profile's verdict. */
  previewCsr(rawInput: PreviewCsrInput): CsrPreview {
    const input = parseInput(PreviewCsrInput, rawInput);
    let csr: ReturnType<typeof parseCsr>;
    try {
      csr = parseCsr(input.csrPem);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const problem = { code: error.code, message: error.message };
      const fallback = describeCsrFallback(input.csrPem);
      if (!fallback) return { ...EMPTY_PREVIEW, problems: [problem] };
      return {
        ...EMPTY_PREVIEW,
        ...fallback,
        isParsed: true,
        isSignatureValid: error.code === pkiErrors.csrBadSignature().code ? false : fallback.isSignatureValid,
        problems: [problem],
      };
    }
    const fallback = describeCsrFallback(input.csrPem);
    return {
      isParsed: true,
      subjectDn: formatDn(csr.subject),
      commonName: csr.subject.find((attribute) => nameAttributeLabel(attribute) === 'CN')?.value ?? null,
      subject: csr.subject.map((attribute) => ({ name: nameAttributeLabel(attribute), value: attribute.value })),
      sans: csr.sans.map(formatSan),
      keyType: csr.keyAlgorithm.startsWith('rsa') ? 'rsa' : 'ec',
      keySize: keySizeOf(csr.keyAlgorithm),
      keyAlgorithm: csr.keyAlgorithm,
      signatureAlgorithm: fallback?.signatureAlgorithm ?? null,
      isSignatureValid: true,
      sha256: csr.fingerprint,
      profileCheck: input.profile ? this.#checkProfile(input, csr) : null,
      problems: [],
    };
  }

  #checkProfile(input: ReturnType<typeof PreviewCsrInput.parse>, csr: ReturnType<typeof parseCsr>) {
    const profileId = input.profile as NonNullable<typeof input.profile>;
    try {
      const decision = decideForCsr({ ...input, profile: profileId }, csr, this.#now());
      if (input.caId) checkIssuerLimits(this.#deps.directory.getSigning(input.caId).issuer, decision);
      return {
        profile: profileId,
        isAccepted: true,
        subjectDn: formatDn(decision.subjectAttributes),
        sans: decision.sans.map(formatSan),
        notAfter: decision.notAfter.toISOString(),
        refusal: null,
      };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return {
        profile: profileId,
        isAccepted: false,
        subjectDn: null,
        sans: [],
        notAfter: null,
        refusal: { code: error.code, message: error.message },
      };
    }
  }

  #pageQuery(input: ReturnType<typeof CertificateFilterSchema.parse>): Omit<CertificatePageQuery, 'limit'> & {
    sort: CertificateSort;
  } {
    const expiresBefore = input.expiresBefore ?? input.expiringBefore;
    return {
      ...(input.status ? { status: input.status } : {}),
      ...(input.caId ? { caId: this.#deps.directory.get(input.caId).row.id } : {}),
      ...(input.profile ? { profile: input.profile } : {}),
      ...(input.keyAlgorithm ? { keyAlgorithm: input.keyAlgorithm } : {}),
      ...(input.expiresAfter ? { expiresAfter: new Date(input.expiresAfter) } : {}),
      ...(expiresBefore ? { expiresBefore: new Date(expiresBefore) } : {}),
      ...(input.search ? { search: input.search } : {}),
      sort: input.sort ?? 'notBefore.desc',
      now: this.#now(),
    };
  }

  #keyExportState(keyId: string | null): { isExportable: boolean; exportedAt: Date | null } | null {
    const key = keyId === null ? undefined : this.#deps.kms.findKey(keyId);
    return key === undefined ? null : { isExportable: key.isExportable, exportedAt: key.exportedAt };
  }
}

const EMPTY_PREVIEW: CsrPreview = {
  isParsed: false,
  subjectDn: null,
  commonName: null,
  subject: [],
  sans: [],
  keyType: null,
  keySize: null,
  keyAlgorithm: null,
  signatureAlgorithm: null,
  isSignatureValid: null,
  sha256: null,
  profileCheck: null,
  problems: [],
};

/** "CN", "O"…: the short name formatDn prints for an attribute. */
function nameAttributeLabel(attribute: NameAttribute): string {
  return formatDn([attribute]).split('=')[0] ?? attribute.oid;
}

function keySizeOf(algorithm: KeyAlgorithm): number {
  return Number(algorithm.replace(/^rsa-|^ec-p/, ''));
}

/** The cursor names its sort, so a cursor from another sort is refused rather than misread. */
function encodeCursor(sort: CertificateSort, cursor: CertificatePageCursor): string {
  return Buffer.from(JSON.stringify([sort, cursor.value, cursor.id])).toString('base64url');
}

function decodeCursor(text: string, sort: CertificateSort): CertificatePageCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3)
    throw new ValidationError('cursor: not a cursor from certificates.list');
  const [cursorSort, value, id] = parsed as unknown[];
  if (cursorSort !== sort) throw new ValidationError(`cursor: it belongs to sort ${String(cursorSort)}, not ${sort}`);
  const isValueValid = sort.startsWith('subject') ? typeof value === 'string' : Number.isSafeInteger(value);
  if (!isValueValid || typeof id !== 'string') throw new ValidationError('cursor: not a cursor from certificates.list');
  return { value: value as number | string, id };
}
