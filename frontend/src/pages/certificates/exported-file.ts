/** certificates.export's answer (UTF-8 text or base64) as a Blob for a download. */
export interface ExportedFileLike {
  filename: string;
  contentType?: string;
  encoding: 'utf8' | 'base64';
  content: string;
}

export function exportedFileBlob(file: ExportedFileLike): Blob {
  const type = file.contentType ?? 'application/octet-stream';
  if (file.encoding === 'utf8') return new Blob([file.content], { type });
  const binary = atob(file.content);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type });
}
