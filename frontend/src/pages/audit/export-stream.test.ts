import { describe, expect, it } from 'vitest';

import { exportUrl, readExport, type ExportProgress } from './export-stream.js';

function streamedResponse(parts: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
  return new Response(body, { status: 200 });
}

describe('readExport', () => {
  it('reports bytes and rows as chunks arrive and returns the whole file', async () => {
    const progress: ExportProgress[] = [];
    const blob = await readExport(streamedResponse(['{"seq":1}\n{"se', 'q":2}\n']), 'ndjson', (p) => progress.push(p));
    expect(progress).toEqual([
      { bytes: 14, rows: 1 },
      { bytes: 20, rows: 2 },
    ]);
    expect(await blob.text()).toBe('{"seq":1}\n{"seq":2}\n');
  });

  it('does not count the CSV header as a row, and refuses an error answer', async () => {
    const progress: ExportProgress[] = [];
    await readExport(streamedResponse(['seq,actor\n1,a\n']), 'csv', (p) => progress.push(p));
    expect(progress.at(-1)?.rows).toBe(1);
    await expect(readExport(new Response('no', { status: 403 }), 'csv', () => undefined)).rejects.toThrow('403');
  });

  it('puts the time range in the URL', () => {
    expect(exportUrl('csv', { since: '2026-01-01T00:00:00.000Z' })).toBe(
      '/audit/export?format=csv&from=2026-01-01T00%3A00%3A00.000Z',
    );
  });
});
