const UNITS = [
  { seconds: 86_400, symbol: 'd' },
  { seconds: 3_600, symbol: 'h' },
  { seconds: 60, symbol: 'min' },
  { seconds: 1, symbol: 's' },
] as const;

/**
 * A duration in seconds as its two largest non-zero units ("3 d 4 h", "12 min 5 s"):
 * precise enough for an uptime, short enough for a card.
 */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return 'unknown';
  let remaining = Math.floor(totalSeconds);
  if (remaining === 0) return '0 s';
  const parts: string[] = [];
  for (const unit of UNITS) {
    const count = Math.floor(remaining / unit.seconds);
    if (count > 0) {
      parts.push(`${count} ${unit.symbol}`);
      remaining -= count * unit.seconds;
    } else if (parts.length > 0) {
      // A zero in the middle ends the reading: "2 h" rather than "2 h 0 min".
      break;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
