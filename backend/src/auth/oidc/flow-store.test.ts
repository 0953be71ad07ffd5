import { describe, expect, it } from 'vitest';

import { FLOW_LIFETIME_MS, hashBinding, OidcFlowStore } from './flow-store.js';
import type { OidcFlow } from './flow-store.js';

function flow(state: string, binding = `binding-${state}`): OidcFlow {
  return {
    state,
    nonce: `nonce-${state}`,
    pkceVerifier: `verifier-${state}`,
    returnTo: '/',
    bindingHash: hashBinding(binding),
  };
}

describe('OidcFlowStore', () => {
  it('gives a flow back once to the browser that started it', () => {
    const store = new OidcFlowStore();
    store.put(flow('a'));
    expect(store.take('a', 'binding-a')?.nonce).toBe('nonce-a');
    expect(store.take('a', 'binding-a')).toBeUndefined();
  });

  it('refuses another browser, and the flow is gone for the right one too', () => {
    const store = new OidcFlowStore();
    store.put(flow('a'));
    expect(store.take('a', 'binding-b')).toBeUndefined();
    expect(store.take('a', undefined)).toBeUndefined();
    store.put(flow('c'));
    expect(store.take('c', undefined)).toBeUndefined();
    expect(store.take('c', 'binding-c')).toBeUndefined();
  });

  it('forgets a flow after ten minutes', () => {
    let now = 1_000_000;
    const store = new OidcFlowStore({ now: () => now });
    store.put(flow('a'));
    store.put(flow('b'));
    now += FLOW_LIFETIME_MS - 1;
    expect(store.take('a', 'binding-a')).toBeDefined();
    now += 1;
    expect(store.take('b', 'binding-b')).toBeUndefined();
  });

  it('drops expired flows when new ones arrive, and the oldest past its capacity', () => {
    let now = 0;
    const store = new OidcFlowStore({ capacity: 2, now: () => now });
    store.put(flow('a'));
    now += FLOW_LIFETIME_MS;
    store.put(flow('b'));
    expect(store.size).toBe(1);
    store.put(flow('c'));
    store.put(flow('d'));
    expect(store.size).toBe(2);
    expect(store.take('b', 'binding-b')).toBeUndefined();
    expect(store.take('d', 'binding-d')).toBeDefined();
  });
});
