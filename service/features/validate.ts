/** Parses a request body with a zod schema, or throws a 400 naming the first field at fault. */
import type { z } from 'zod';
import { InvalidRequestError } from '../errors.ts';

export function parseRequest<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw InvalidRequestError.fromZod(parsed.error);
  return parsed.data;
}
