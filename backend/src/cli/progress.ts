/**
 * A spinner with elapsed seconds on stderr while a long call runs (RSA-4096 generation
 * takes seconds). Drawn only when stderr is a terminal: scripts and pipes see nothing.
 */
import type { OutputStream } from './io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** `detail` adds what is known of the work so far (rows written, rows verified) after the time. */
export async function withProgress<T>(
  stderr: OutputStream,
  label: string,
  operation: () => Promise<T>,
  detail?: () => string,
): Promise<T> {
  if (stderr.isTTY !== true) return operation();
  const startedAt = Date.now();
  let frame = 0;
  const draw = () => {
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    const known = detail === undefined ? '' : ` ${detail()}`;
    stderr.write(`\r\u001b[2K${FRAMES[frame % FRAMES.length] ?? ''} ${label} ${seconds}s${known}`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, 100);
  try {
    return await operation();
  } finally {
    clearInterval(timer);
    // Erase the line so the result (or the error) starts clean.
    stderr.write('\r\u001b[2K');
  }
}
