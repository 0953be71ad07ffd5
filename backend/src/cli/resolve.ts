/**
 * A CA or a key is named on the command line by its id or its unique name (a key's label).
 * An exact id wins, then an exact name, then a name differing only in case when that is
 * unambiguous; otherwise the error lists what exists.
 */
import { OperationFailedError } from './cli-errors.js';

export interface Named {
  id: string;
  name: string;
}

export function pickByIdOrName<T>(
  what: string,
  reference: string,
  items: readonly T[],
  toNamed: (item: T) => Named,
): T {
  const exact =
    items.find((item) => toNamed(item).id === reference) ?? items.find((item) => toNamed(item).name === reference);
  if (exact !== undefined) return exact;
  const folded = items.filter((item) => toNamed(item).name.toLowerCase() === reference.toLowerCase());
  if (folded.length === 1 && folded[0] !== undefined) return folded[0];
  const known = items
    .slice(0, 10)
    .map((item) => toNamed(item).name)
    .join(', ');
  const hint = items.length === 0 ? `there are no ${what}s yet` : `known: ${known}${items.length > 10 ? ', …' : ''}`;
  throw new OperationFailedError(
    folded.length > 1
      ? `${what} ${JSON.stringify(reference)} is ambiguous; use its id`
      : `no ${what} with id or name ${JSON.stringify(reference)} (${hint})`,
  );
}
