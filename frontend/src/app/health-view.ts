/**
 * Maps what `system.status` says (or fails to say) to what the console shows. Kept pure and
 * apart from the components so every state, including the unhappy ones, is unit-tested.
 */
import type { ComponentHealth, HealthState } from '@pki/shared';

/** Visual tone; each has one CSS class (`tone-<tone>`) and never relies on colour alone. */
export type Tone = 'pending' | 'up' | 'down' | 'unknown';

export type StatusQueryState =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; kms: { label: string; health: ComponentHealth } };

export interface BadgeView {
  tone: Tone;
  /** The backend's human name, e.g. "local (embedded)"; unknown until the first answer. */
  label?: string;
  stateText: string;
  /** Why it is not up, shown as text and as the tooltip. */
  detail?: string;
  /** The full sentence for assistive technology (the visual badge is terse). */
  ariaLabel: string;
}

const STATE_TEXT: Record<HealthState, string> = {
  up: 'up',
  down: 'down',
};

export interface HealthView {
  tone: Tone;
  text: string;
  /** Present only when it adds something: a down component always has one. */
  detail?: string;
}

export function describeHealth(health: ComponentHealth): HealthView {
  const text = STATE_TEXT[health.state];
  const detail = health.detail ?? (health.state === 'down' ? 'no reason given by the server' : undefined);
  // The server may repeat the state as its detail; say it once.
  return detail === undefined || detail === text ? { tone: health.state, text } : { tone: health.state, text, detail };
}

export function describeKmsBadge(query: StatusQueryState): BadgeView {
  switch (query.kind) {
    case 'loading':
      return {
        tone: 'pending',
        stateText: 'checking…',
        ariaLabel: 'Key store status: checking',
      };
    case 'error':
      return {
        tone: 'unknown',
        stateText: 'status unavailable',
        detail: query.message,
        ariaLabel: `Key store status unavailable: ${query.message}`,
      };
    case 'ready': {
      const { label, health } = query.kms;
      const { tone, text, detail } = describeHealth(health);
      const sentence = `Key store ${label}: ${text}`;
      return {
        tone,
        label,
        stateText: text,
        ...(detail === undefined ? {} : { detail }),
        ariaLabel: detail === undefined ? sentence : `${sentence} (${detail})`,
      };
    }
  }
}
