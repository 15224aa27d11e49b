/**
 * Reads a JSON request body into ctx.state.body for routes that take one. Each way a body can be
 * wrong has its own clear 4xx: missing or malformed 400, not JSON 415, too large 413.
 */
import getRawBody from 'raw-body';
import secureJson from 'secure-json-parse';
import { InvalidRequestError, LeveeError } from '../../errors.ts';
import type { LeveeMiddleware } from '../state.ts';

/**
 * Deeper bodies are refused: no legitimate request nests this far (tool schemas included), and
 * re-serialising or validating an unbounded depth could exhaust the stack.
 */
const MAX_JSON_DEPTH = 64;
/** `application/json`, optionally with a UTF-8 charset: no further media-type parsing needed. */
const PLAIN_JSON = /^application\/json(?:\s*;\s*charset="?utf-?8"?)?$/i;

export function jsonBody({ limitBytes }: { limitBytes: number }): LeveeMiddleware {
  return async (ctx, next) => {
    const contentType = ctx.get('Content-Type');
    if (!ctx.request.length && !ctx.get('Transfer-Encoding')) {
      throw new LeveeError('invalid_json', 'This endpoint expects a JSON body (Content-Type: application/json).');
    }
    // What every SDK sends skips type-is's parsing (a few µs on every call).
    if (!PLAIN_JSON.test(contentType)) {
      if (!ctx.is('application/json')) {
        throw new LeveeError('unsupported_media_type', `Content-Type must be application/json, not ${JSON.stringify(contentType.slice(0, 100)) || 'empty'}.`);
      }
      const charset = ctx.request.charset;
      if (charset && charset !== 'utf-8' && charset !== 'utf8') {
        throw new LeveeError('unsupported_media_type', 'JSON bodies must be UTF-8 encoded.');
      }
    }
    const encoding = ctx.get('Content-Encoding');
    if (encoding && encoding.toLowerCase() !== 'identity') {
      throw new LeveeError('unsupported_media_type', 'Compressed request bodies (Content-Encoding) are not supported.');
    }
    if (ctx.request.length !== undefined && ctx.request.length > limitBytes) {
      throw tooLarge(limitBytes);
    }

    let text: string;
    ctx.state.receivingBody = true;
    try {
      // Read as bytes and decoded here: raw-body's decoder (iconv-lite) costs more than Buffer's.
      text = utf8WithoutBom(await getRawBody(ctx.req, { length: ctx.request.length, limit: limitBytes }));
    } catch (error) {
      if ((error as { type?: unknown }).type === 'entity.too.large') throw tooLarge(limitBytes);
      throw new LeveeError('invalid_json', 'The request body could not be read completely.', { cause: error });
    } finally {
      ctx.state.receivingBody = false;
    }
    try {
      // Also refuses __proto__ and constructor.prototype keys, so a body cannot pollute prototypes later.
      ctx.state.body = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (error) {
      throw new LeveeError('invalid_json', 'We could not parse the JSON body of your request: it is not valid JSON.', {
        cause: error,
      });
    }
    if (nestingExceeds(ctx.state.body, MAX_JSON_DEPTH)) {
      throw new InvalidRequestError(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
    }
    await next();
  };
}

/** As iconv-lite's UTF-8 decoder did: a leading byte-order mark is not part of the JSON text. */
function utf8WithoutBom(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Iterative, so the check itself cannot overflow the stack. */
function nestingExceeds(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function tooLarge(limitBytes: number): LeveeError {
  return new LeveeError('payload_too_large', `The request body is larger than the limit of ${limitBytes} bytes.`);
}
