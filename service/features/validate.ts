/** Parses a request body with a zod schema, or throws a 400 naming the first field at fault. */
import type { z } from 'zod';
import { InvalidRequestError } from '../errors.ts';

/**
 * Postgres stores neither NUL in text nor lone surrogates in JSON (and would silently replace
 * them in text), so strings that reach the store are refused with them rather than failing there.
 */
export const storable = (schema: z.ZodString) =>
  schema.refine((value) => value.isWellFormed() && !value.includes('\u0000'), { error: 'must be valid Unicode without NUL characters' });

export function parseRequest<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw InvalidRequestError.fromZod(parsed.error);
  return parsed.data;
}
