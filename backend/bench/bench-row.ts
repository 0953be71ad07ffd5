/**
 * One benchmark figure next to the peer measured in the same run. Machines are noisy, so
 * only the ratio (ours / peer, oriented so that > 1 means we are better where `higherIsBetter`)
 * is comparable across runs.
 */
import { median } from './openssl-peer.js';

export interface BenchRow {
  name: string;
  ours: number;
  peer: number;
  unit: string;
  /** ours / peer for throughput; peer / ours for latency or CPU time (so > 1 always means "better"). */
  ratio: number;
  /** The target this figure is held to, in words, e.g. "≥ 1.0× cfssl at c=8". */
  target?: string;
}

export function formatRows(title: string, rows: readonly BenchRow[]): string {
  const header = ['benchmark', 'ours', 'peer', 'unit', 'ratio', 'target'];
  const lines = rows.map((row) => [
    row.name,
    formatNumber(row.ours),
    formatNumber(row.peer),
    row.unit,
    `${row.ratio.toFixed(2)}×`,
    row.target ?? '',
  ]);
  const widths = header.map((cell, index) => Math.max(cell.length, ...lines.map((line) => (line[index] ?? '').length)));
  const render = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ');
  return [`\n## ${title}`, render(header), render(widths.map((width) => '-'.repeat(width))), ...lines.map(render)].join(
    '\n',
  );
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/** One round's figure for each side, measured back to back. */
export interface PairedFigure {
  ours: number;
  peer: number;
}

/**
 * A row from rounds that each measured ours and the peer back to back: each side's median,
 * and the median of the rounds' own ratios, so a machine whose speed drifts between rounds
 * is compared with itself.
 */
export function pairedRow(
  row: Pick<BenchRow, 'name' | 'unit' | 'target'>,
  pairs: readonly PairedFigure[],
  options: { lowerIsBetter?: boolean } = {},
): BenchRow {
  const ratio = ({ ours, peer }: PairedFigure) => (options.lowerIsBetter === true ? peer / ours : ours / peer);
  return {
    ...row,
    ours: median(pairs.map((pair) => pair.ours)),
    peer: median(pairs.map((pair) => pair.peer)),
    ratio: median(pairs.map(ratio)),
  };
}
