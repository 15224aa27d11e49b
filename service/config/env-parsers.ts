/** zod parsers for environment strings: integers, ratios, flags, URLs, each with a plain message. */
import { z } from 'zod';

export const integer = (range: { min: number; max?: number }) => {
  let number = z.number().int().min(range.min, { error: `must be at least ${range.min}` });
  if (range.max !== undefined) number = number.max(range.max, { error: `must be at most ${range.max}` });
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, { error: 'must be an integer' })
    .transform(Number)
    .pipe(number);
};

/** A decimal number within [min, max], e.g. a ratio or a multiplier. */
export const decimal = (range: { min: number; max: number }) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, { error: 'must be a number' })
    .transform(Number)
    .pipe(z.number().min(range.min, { error: `must be at least ${range.min}` }).max(range.max, { error: `must be at most ${range.max}` }));

export const flag = z.stringbool({ error: 'must be true or false' });

export const url = (schemes: RegExp, hint: string) => z.url({ protocol: schemes, error: `must be a ${hint} URL` });

/** The parsed values of a group of variables (`{ NAME: parser }`), as its slice of config sees them (optional ones may be absent). */
export type ParsedEnvironment<Group extends Record<string, z.ZodType>> = z.output<z.ZodObject<Group>>;
