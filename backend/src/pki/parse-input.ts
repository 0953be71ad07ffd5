/**
 * Service inputs are validated again with the shared zod schemas (routers do it first; the
 * CLI, tests and future callers may not), and a failure becomes our typed ValidationError
 * naming the first field at fault, so every caller sees one error family.
 */
import type { z } from 'zod';

import { ValidationError } from '../errors.js';

export function parseInput<Schema extends z.ZodType>(schema: Schema, raw: unknown): z.output<Schema> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const [first] = result.error.issues;
  const field = first && first.path.length > 0 ? first.path.join('.') : 'input';
  return failWith(`${field}: ${first?.message ?? 'invalid'}`, result.error);
}

function failWith(message: string, cause: z.ZodError): never {
  throw new ValidationError(message, {
    cause,
    details: { issues: cause.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })) },
  });
}
