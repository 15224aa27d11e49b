/**
 * The OpenAI Files API under /v1/files. Uploads are multipart/form-data, read as they stream in
 * (busboy) and fed part by part into the upload use case, which checks each part as it arrives
 * and refuses a file past FILE_MAX_BYTES at the byte that crosses it. The other routes only
 * translate between Koa and the features. Each route has the /v1 guards in front.
 */
import { Readable } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import type { Router } from '@koa/router';
import { InvalidRequestError, LeveeError } from '../../errors.ts';
import { fileTooLarge, type FileUpload } from '../../features/files/file-upload.ts';
import type { Files } from '../../features/files/files.ts';
import type { RouteGuards } from '../middleware/v1-access.ts';
import type { LeveeContext, LeveeState } from '../state.ts';

/** Room for the multipart framing and the small fields beside the file, when a Content-Length is checked up front. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/**
 * After a refusal the rest of the body is read and thrown away for at most this long, so the
 * client (still sending) reads the error rather than a reset connection (nginx's lingering close);
 * past it the connection is cut.
 */
const LINGER_MS = 5_000;

export function fileRoutes(router: Router<LeveeState>, files: Files, guards: RouteGuards = () => []): void {
  const collection = '/v1/files';
  const file = '/v1/files/:id';
  const content = '/v1/files/:id/content';

  router.post(collection, ...guards(collection), async (ctx) => {
    const upload = await readMultipart(ctx, files);
    ctx.body = await files.upload(ctx.state.client, upload, ctx.state.deadline.signal);
  });
  router.get(collection, ...guards(collection), async (ctx) => {
    ctx.body = await files.list(ctx.state.client, ctx.query, ctx.state.deadline.signal);
  });
  router.get(file, ...guards(file), async (ctx) => {
    ctx.body = await files.retrieve(ctx.state.client, ctx.params.id!, ctx.state.deadline.signal);
  });
  router.delete(file, ...guards(file), async (ctx) => {
    ctx.body = await files.delete(ctx.state.client, ctx.params.id!, ctx.state.deadline.signal);
  });
  router.get(content, ...guards(content), async (ctx) => {
    const { bytes, chunks } = await files.content(ctx.state.client, ctx.params.id!, ctx.state.deadline.signal);
    // A read failing midway cuts the connection (Koa pipes with stream.pipeline): the length tells the client.
    ctx.body = Readable.from(chunks);
    ctx.type = 'application/octet-stream';
    ctx.length = bytes;
  });
}

/** Feeds the request's multipart parts into a new upload; resolves once every part is read. */
async function readMultipart(ctx: LeveeContext, files: Files): Promise<FileUpload> {
  if (!ctx.is('multipart/form-data')) {
    throw new LeveeError('unsupported_media_type', `Content-Type must be multipart/form-data, not ${JSON.stringify(ctx.get('Content-Type').slice(0, 100)) || 'empty'}.`);
  }
  const encoding = ctx.get('Content-Encoding');
  if (encoding && encoding.toLowerCase() !== 'identity') {
    throw new LeveeError('unsupported_media_type', 'Compressed request bodies (Content-Encoding) are not supported.');
  }
  if (ctx.request.length !== undefined && ctx.request.length > files.maxBytes + MULTIPART_OVERHEAD_BYTES) {
    discardRest(ctx);
    throw fileTooLarge(files.maxBytes);
  }
  const upload = files.newUpload();
  const signal = ctx.state.deadline.signal;
  ctx.state.receivingBody = true;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    let parser: ReturnType<typeof Busboy>;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      ctx.req.unpipe(parser);
      discardRest(ctx);
      reject(error);
    };
    const onAbort = () => fail(signal.reason);
    const guard = (step: () => void) => {
      try {
        step();
      } catch (error) {
        fail(error);
      }
    };
    try {
      parser = Busboy({
        headers: ctx.req.headers as Parameters<typeof Busboy>[0]['headers'],
        limits: { fieldNameSize: 100, fieldSize: 1024, fields: 16, parts: 20, headerPairs: 20 },
      });
    } catch (error) {
      reject(new InvalidRequestError(`The multipart body cannot be read: ${(error as Error).message}`, undefined, { cause: error }));
      return;
    }
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (settled) return;
      guard(() => {
        const field = partName(name);
        if (valueTruncated) throw new InvalidRequestError(`Invalid '${field.slice(0, 64)}': the value is too long.`, field.slice(0, 64));
        upload.field(field, value);
      });
    });
    parser.on('file', (name, stream, filename) => {
      // A part cut short (the body ended inside it) errors on its own stream: unheard, it would
      // be an uncaught exception that takes the process down.
      stream.on('error', (error: Error) => fail(new InvalidRequestError(`The multipart body cannot be read: ${error.message}`, undefined, { cause: error })));
      stream.on('data', (chunk: Buffer) => {
        if (!settled) guard(() => upload.append(chunk));
      });
      stream.on('end', () => {
        if (!settled) upload.endFile();
      });
      if (settled) stream.resume();
      else guard(() => upload.startFile(partName(name), filename));
    });
    for (const limit of ['partsLimit', 'fieldsLimit'] as const) {
      parser.on(limit, () => fail(new InvalidRequestError('The multipart body has too many parts.')));
    }
    parser.on('error', (error: unknown) => fail(new InvalidRequestError(`The multipart body cannot be read: ${(error as Error).message}`, undefined, { cause: error })));
    parser.on('finish', () => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    ctx.req.on('error', fail);
    signal.addEventListener('abort', onAbort, { once: true });
    ctx.req.pipe(parser);
  });
  // Only once read whole: a deadline that cut the reading must still find the flag up (deadline.ts).
  ctx.state.receivingBody = false;
  return upload;
}

/** Busboy reports a part whose Content-Disposition has no `name` with an undefined name (typed as a string). */
function partName(name: string | undefined): string {
  if (!name) throw new InvalidRequestError('Every multipart part needs a name: Content-Disposition: form-data; name="…".');
  return name;
}

/**
 * Reads and drops what is left of a refused body, for at most LINGER_MS, so the client can finish
 * sending and read the answer on a connection that stays usable; nothing of it is kept.
 */
function discardRest(ctx: LeveeContext): void {
  const request = ctx.req;
  if (request.readableEnded) return;
  const cut = setTimeout(() => request.socket.destroy(), LINGER_MS);
  cut.unref();
  request.once('end', () => clearTimeout(cut));
  request.once('close', () => clearTimeout(cut));
  request.resume();
}
