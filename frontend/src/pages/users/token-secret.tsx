/** The token's secret, shown once: the server keeps only a keyed hash of it. */
import { useState } from 'react';
import { formatInstant } from '../../app/format-instant.js';
import { Button } from '../../components/button.js';

export function TokenSecret({
  name,
  secret,
  expiresAt,
  onDone,
}: {
  name: string;
  secret: string;
  expiresAt: string;
  onDone: () => void;
}) {
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <div role="status" className="rounded-md border-l-4 border-brand bg-brand-soft px-3 py-2 text-sm text-ink">
      <p className="m-0 font-semibold">
        Token {name} is created (expires {formatInstant(expiresAt)}). Copy its secret now: it is not shown again.
      </p>
      <p className="m-0 mt-2 break-all">
        <code aria-label="Token secret">{secret}</code>
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <Button
          variant="primary"
          onPress={() =>
            void navigator.clipboard.writeText(secret).then(
              () => setCopyState('copied'),
              () => setCopyState('failed'),
            )
          }
        >
          Copy secret
        </Button>
        <Button variant="secondary" onPress={onDone}>
          I have stored it
        </Button>
        <span aria-live="polite">
          {copyState === 'copied'
            ? 'Copied.'
            : copyState === 'failed'
              ? 'Copying failed: select the text and copy it.'
              : ''}
        </span>
      </div>
    </div>
  );
}
