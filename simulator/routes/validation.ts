/**
 * Request body validation for the /v1 routes: a zod parse whose failure becomes OpenAI's 400, with
 * `param` naming the first offending field the way OpenAI does (`messages`, `input`, …).
 */
import type { z } from 'zod';
import type { Exchange } from '../exchange.ts';

/** The parsed body, or undefined after answering 400. */
export function validateBody<Output>(exchange: Exchange, schema: z.ZodType<Output>, body: unknown): Output | undefined {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const [first] = result.error.issues;
  const param = first && first.path.length > 0 ? first.path.map(String).join('.') : null;
  const message = result.error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
  exchange.sendError(400, { message, param });
  return undefined;
}

/** Answers 400 for a request field that parsed but makes no sense. */
export function rejectParam(exchange: Exchange, param: string, message: string): void {
  exchange.sendError(400, { message, param });
}
