/**
 * Reads a streamed export (GET /audit/export) chunk by chunk, reporting bytes and rows so far,
 * and returns the whole file as a Blob to save. A plain GET with the session cookie: the
 * server's request marker rule covers state-changing calls only.
 */
export interface ExportProgress {
  bytes: number;
  rows: number;
}

export type ExportFormat = 'ndjson' | 'csv';

export function exportUrl(
  format: ExportFormat,
  range: { since?: string | undefined; until?: string | undefined },
): string {
  const search = new URLSearchParams({ format });
  if (range.since !== undefined) search.set('from', range.since);
  if (range.until !== undefined) search.set('to', range.until);
  return `/audit/export?${search.toString()}`;
}

/** Rows are lines; a CSV's header line is not a row. */
export async function readExport(
  response: Response,
  format: ExportFormat,
  onProgress: (progress: ExportProgress) => void,
): Promise<Blob> {
  if (!response.ok || response.body === null) {
    throw new Error(`The export failed: the server answered ${response.status}.`);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let newlines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
    for (const byte of value) if (byte === 0x0a) newlines += 1;
    onProgress({ bytes, rows: Math.max(0, format === 'csv' ? newlines - 1 : newlines) });
  }
  return new Blob(chunks as BlobPart[], { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
}

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
