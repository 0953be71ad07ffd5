import { describe, expect, it } from 'vitest';

import { timeOrderedId } from './ids.js';

describe('timeOrderedId', () => {
  it('keeps increasing past the 4,096 ids one millisecond holds, and when the clock steps back', () => {
    const now = Date.now() + 60_000;
    const ids = Array.from({ length: 10_000 }, () => timeOrderedId(now));
    ids.push(timeOrderedId(now - 5_000), timeOrderedId(now - 5_000));
    for (let index = 1; index < ids.length; index++)
      expect((ids[index] as string) > (ids[index - 1] as string)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
