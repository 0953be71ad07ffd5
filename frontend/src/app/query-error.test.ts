import { describe, expect, it } from 'vitest';

import { describeQueryError } from './query-error.js';

describe('describeQueryError', () => {
  it.each(['Failed to fetch', 'NetworkError when attempting to fetch resource.'])(
    'reads the network failure "%s" as an unanswered server',
    (message) => {
      expect(describeQueryError({ message })).toBe('the server did not answer');
    },
  );

  it('appends the request id so the failure can be found in the server log', () => {
    expect(describeQueryError({ message: 'Key store unavailable.', data: { requestId: 'req-42' } })).toBe(
      'Key store unavailable. (request id req-42)',
    );
  });

  it('does not repeat a request id the server already put in the message', () => {
    const message = 'Internal error. Request id: req-42.';
    expect(describeQueryError({ message, data: { requestId: 'req-42' } })).toBe(message);
  });

  it('keeps the message as is when there is no request id', () => {
    expect(describeQueryError({ message: 'Not found.', data: null })).toBe('Not found.');
  });
});
