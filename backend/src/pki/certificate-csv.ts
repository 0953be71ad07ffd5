/** The inventory's CSV export (RFC 4180), safe to open in a spreadsheet. */
import type { CertificateSummary } from '@pki/shared';

const COLUMNS = [
  'id',
  'serial',
  'subject',
  'commonName',
  'sans',
  'ca',
  'profile',
  'keyAlgorithm',
  'notBefore',
  'notAfter',
  'status',
  'revokedAt',
  'revocationReason',
] as const;

/** Quotes every cell, and defuses formula prefixes (=, +, -, @, tab, CR) that spreadsheets would run. */
function cell(value: string | null): string {
  const text = value ?? '';
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function toCsv(rows: readonly CertificateSummary[], caNames: ReadonlyMap<string, string>): string {
  const lines = [COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      [
        row.id,
        row.serialHex,
        row.subjectDn,
        row.commonName,
        row.sans.join(' '),
        caNames.get(row.caId) ?? row.caId,
        row.profile,
        row.keyAlgorithm,
        row.notBefore,
        row.notAfter,
        row.status,
        row.revokedAt,
        row.revocationReason,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
