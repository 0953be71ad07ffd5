import { describe, expect, it } from 'vitest';

import { describeOperation, isOwnRequest, parameterRows } from './approval-view.js';

describe('approval view', () => {
  it('lists the exact stored parameters', () => {
    expect(parameterRows({ keyId: 'k1', confirmLabel: 'ca-key', isForced: false })).toEqual([
      ['keyId', 'k1'],
      ['confirmLabel', 'ca-key'],
      ['isForced', 'false'],
    ]);
  });

  it('names known operations and keeps unknown ones as they are', () => {
    expect(describeOperation('keys.destroy')).toBe('Destroy a key');
    expect(describeOperation('other.thing')).toBe('other.thing');
  });

  it("recognises the user's own request by its actor", () => {
    expect(isOwnRequest('user:alice', 'alice')).toBe(true);
    expect(isOwnRequest('user:alice2', 'alice')).toBe(false);
  });
});
