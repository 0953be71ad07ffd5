/** How an approval reads for people: the operation named, and its exact parameters. */

const OPERATION_NAMES: Record<string, string> = {
  'keys.destroy': 'Destroy a key',
  'keys.revoke': 'Revoke a key (forced)',
  'cas.revoke': 'Revoke a CA',
  'settings.setDualControl': 'Change dual control',
};

export function describeOperation(operation: string): string {
  return OPERATION_NAMES[operation] ?? operation;
}

/** The stored input as name/value pairs, nested values as JSON: exactly what approval runs. */
export function parameterRows(input: unknown): [string, string][] {
  if (typeof input !== 'object' || input === null) return [['input', JSON.stringify(input)]];
  return Object.entries(input).map(([name, value]) => [
    name,
    typeof value === 'string' ? value : JSON.stringify(value),
  ]);
}

/** The signed-in user's own request: the server refuses its approval, so it is not offered. */
export function isOwnRequest(requestedBy: string, username: string): boolean {
  return requestedBy === `user:${username}`;
}
