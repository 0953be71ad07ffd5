/**
 * Rendering for people (aligned columns, `key  value` blocks) and for scripts (`--json`:
 * one JSON document on stdout, exactly what the server returned).
 */
import type { OutputStream } from './io.js';

export function printJson(out: OutputStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(out: OutputStream, header: readonly string[], rows: readonly (readonly string[])[]): void {
  if (rows.length === 0) {
    out.write('(none)\n');
    return;
  }
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => (row[index] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd();
  out.write(`${[render(header), ...rows.map(render)].join('\n')}\n`);
}

export function printFields(
  out: OutputStream,
  fields: readonly (readonly [string, string | number | null | undefined])[],
): void {
  const width = Math.max(...fields.map(([label]) => label.length));
  out.write(`${fields.map(([label, value]) => `${label.padEnd(width)}  ${value ?? '-'}`).join('\n')}\n`);
}

/** "2026-05-01T10:00:00.000Z" → "2026-05-01 10:00Z": compact, still unambiguous. */
export function shortInstant(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '-';
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z');
}
