/**
 * Fetches a file (a CRL, a CSR, an export) and saves it under a chosen name. The blob is
 * saved through an object URL, which the CSP allows for downloads, and revoked at once.
 */
import { useState } from 'react';

import { Button, type ButtonVariant } from './button.js';
import { ErrorNotice } from './error-notice.js';

export type DownloadSource = () => Promise<Blob>;

/** Saves a blob as `filename` through a temporary link; exported for text made in the page (a PEM). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download synchronously; the URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A same-origin GET as a blob; the request marker lets the cookie-authenticated routes accept it. */
export async function fetchBlob(url: string): Promise<Blob> {
  const response = await fetch(url, { credentials: 'same-origin', headers: { 'X-PKI-Request': '1' } });
  if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText}`.trim());
  return response.blob();
}

export interface DownloadButtonProps {
  filename: string;
  /** A URL on this origin, or a function producing the blob (e.g. from a tRPC answer). */
  source: string | DownloadSource;
  children: string;
  variant?: ButtonVariant;
}

export function DownloadButton({ filename, source, children, variant = 'secondary' }: DownloadButtonProps) {
  const [isPending, setPending] = useState(false);
  const [error, setError] = useState<string | undefined>();

  async function download() {
    setPending(true);
    setError(undefined);
    try {
      const blob = typeof source === 'string' ? await fetchBlob(source) : await source();
      saveBlob(blob, filename);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <span className="inline-flex flex-col gap-2">
      <Button variant={variant} isPending={isPending} onPress={() => void download()}>
        {isPending ? 'Downloading…' : children}
      </Button>
      {error === undefined ? null : <ErrorNotice title={`Could not download ${filename}`}>{error}</ErrorNotice>}
    </span>
  );
}
