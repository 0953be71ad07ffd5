import { describe, expect, it } from 'vitest';

import { describeHealth, describeKmsBadge } from './health-view.js';

describe('describeKmsBadge', () => {
  it('shows a neutral checking state while the first status is loading', () => {
    const view = describeKmsBadge({ kind: 'loading' });
    expect(view.tone).toBe('pending');
    expect(view.ariaLabel).toBe('Key store status: checking');
  });

  it('names the backend and says up when the key store is healthy', () => {
    const view = describeKmsBadge({ kind: 'ready', kms: { label: 'local (embedded)', health: { state: 'up' } } });
    expect(view).toEqual({
      tone: 'up',
      label: 'local (embedded)',
      stateText: 'up',
      ariaLabel: 'Key store local (embedded): up',
    });
  });

  it('carries the reason of a down key store into the text and the accessible name', () => {
    const view = describeKmsBadge({
      kind: 'ready',
      kms: { label: 'Cosmian KMS', health: { state: 'down', detail: 'connection refused' } },
    });
    expect(view.tone).toBe('down');
    expect(view.detail).toBe('connection refused');
    expect(view.ariaLabel).toBe('Key store Cosmian KMS: down (connection refused)');
  });

  it('never shows a down key store without some reason', () => {
    const view = describeKmsBadge({ kind: 'ready', kms: { label: 'KMIP server', health: { state: 'down' } } });
    expect(view.detail).toBe('no reason given by the server');
  });

  it('does not repeat a detail that only restates the state', () => {
    const view = describeKmsBadge({
      kind: 'ready',
      kms: { label: 'local (embedded)', health: { state: 'down', detail: 'down' } },
    });
    expect(view.detail).toBeUndefined();
    expect(view.ariaLabel).toBe('Key store local (embedded): down');
  });

  it('distinguishes an unreachable server from a down key store', () => {
    const view = describeKmsBadge({ kind: 'error', message: 'Failed to fetch' });
    expect(view.tone).toBe('unknown');
    expect(view.label).toBeUndefined();
    expect(view.stateText).toBe('status unavailable');
    expect(view.detail).toBe('Failed to fetch');
  });
});

describe('describeHealth', () => {
  it.each([
    ['up', 'up', 'up'],
    ['down', 'down', 'down'],
  ] as const)('maps %s to tone %s', (state, tone, text) => {
    expect(describeHealth({ state })).toMatchObject({ tone, text });
  });

  it('keeps the reason of a down database', () => {
    expect(describeHealth({ state: 'down', detail: 'SQLITE_CANTOPEN' })).toEqual({
      tone: 'down',
      text: 'down',
      detail: 'SQLITE_CANTOPEN',
    });
  });
});
