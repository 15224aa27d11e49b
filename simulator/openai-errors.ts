/**
 * Error bodies in OpenAI's shape, `{"error":{"message","type","param","code"}}`, with the type and
 * code a real provider uses for each status, so client error classification meets the same
 * bodies in tests as in production.
 */

/** The fields of an OpenAI error body; `param` names the offending request field. */
export interface OpenAIErrorFields {
  message: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

/** What OpenAI-compatible providers say for each status when the caller gives no message. */
const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Simulated bad request.',
  401: 'Incorrect API key provided.',
  403: 'You are not allowed to sample from this model.',
  404: 'The model does not exist or you do not have access to it.',
  405: 'Method not allowed.',
  408: 'Request timed out.',
  409: 'The request conflicted with another request.',
  413: 'The request body is too large.',
  422: 'The request could not be processed.',
  429: 'Rate limit reached for requests. Please try again later.',
  500: 'The server had an error while processing your request. Sorry about that!',
  502: 'Bad gateway.',
  503: 'The engine is currently overloaded, please try again later.',
  504: 'Gateway timeout.',
};

/** The message OpenAI would send with `status`. */
export function defaultErrorMessage(status: number): string {
  return DEFAULT_MESSAGES[status] ?? `Simulated error ${status}.`;
}

/** The `type` and `code` OpenAI pairs with `status`. */
function classify(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 404) return { type: 'invalid_request_error', code: 'model_not_found' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

/** The JSON text of an OpenAI error body for `status`. */
export function openAIErrorBody(status: number, fields: OpenAIErrorFields): string {
  const defaults = classify(status);
  return JSON.stringify({
    error: {
      message: fields.message,
      type: fields.type ?? defaults.type,
      param: fields.param ?? null,
      code: fields.code === undefined ? defaults.code : fields.code,
    },
  });
}
