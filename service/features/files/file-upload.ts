/**
 * One upload as its multipart parts arrive: the `file` part streamed in under a hard byte cap,
 * the `purpose` field (and OpenAI's optional `expires_after[anchor]` / `expires_after[seconds]`)
 * checked as soon as it is seen, whatever the order of the parts. Whatever parses the body (the
 * edge, with busboy) feeds it and stops reading at the first error thrown here.
 */
import { InvalidRequestError, LeveeError } from '../../errors.ts';
import { cleanFilename, parseExpiresAfterAnchor, parseExpiresAfterSeconds, parseUploadPurpose } from './file-requests.ts';

/** A complete, valid upload. */
export interface ValidUpload {
  filename: string;
  purpose: string;
  content: Buffer;
  /** The client's `expires_after[seconds]`; undefined: the server's FILE_TTL_SECONDS alone. */
  expiresAfterSeconds: number | undefined;
}

export class FileUpload {
  readonly #maxBytes: number;
  #purpose: string | undefined;
  #anchor: string | undefined;
  #expiresAfterSeconds: number | undefined;
  #filename: string | undefined;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #fileState: 'none' | 'reading' | 'done' = 'none';

  /** `maxBytes`: the largest content accepted (FILE_MAX_BYTES). */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** A non-file part. Unknown names are refused, as OpenAI refuses unknown arguments. */
  field(name: string, value: string): void {
    switch (name) {
      case 'purpose':
        this.#purpose = parseUploadPurpose(value);
        return;
      case 'expires_after[anchor]':
        this.#anchor = parseExpiresAfterAnchor(value);
        return;
      case 'expires_after[seconds]':
        this.#expiresAfterSeconds = parseExpiresAfterSeconds(value);
        return;
      case 'file':
        throw new InvalidRequestError("Invalid 'file': expected a file upload (a multipart part with a filename), got a plain field.", 'file');
      default:
        throw new InvalidRequestError(`Unrecognized request argument supplied: ${name.slice(0, 64)}`, name.slice(0, 64));
    }
  }

  /** A file part begins; only one, named `file`. */
  startFile(name: string, filename: string | undefined): void {
    if (name !== 'file') throw new InvalidRequestError(`Unrecognized request argument supplied: ${name.slice(0, 64)} (the file goes in the part named 'file')`, name.slice(0, 64));
    if (this.#fileState !== 'none') throw new InvalidRequestError("Invalid 'file': give exactly one file per upload.", 'file');
    this.#fileState = 'reading';
    this.#filename = cleanFilename(filename);
  }

  /** More of the file; 413 `file` as soon as the content passes the cap (what was read is dropped). */
  append(chunk: Buffer): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) {
      this.#chunks = [];
      throw fileTooLarge(this.#maxBytes);
    }
    this.#chunks.push(chunk);
  }

  endFile(): void {
    this.#fileState = 'done';
  }

  /** Once every part has been read: the upload, or 400 naming what is missing. */
  finish(): ValidUpload {
    if (this.#fileState !== 'done' || this.#filename === undefined) throw new InvalidRequestError("Missing required parameter: 'file'.", 'file');
    if (this.#purpose === undefined) throw new InvalidRequestError("Missing required parameter: 'purpose'.", 'purpose');
    if (this.#bytes === 0) throw new InvalidRequestError("Invalid 'file': the file is empty.", 'file');
    if (this.#expiresAfterSeconds !== undefined && this.#anchor === undefined) {
      throw new InvalidRequestError("Missing required parameter: 'expires_after.anchor'.", 'expires_after.anchor');
    }
    if (this.#anchor !== undefined && this.#expiresAfterSeconds === undefined) {
      throw new InvalidRequestError("Missing required parameter: 'expires_after.seconds'.", 'expires_after.seconds');
    }
    const content = Buffer.concat(this.#chunks, this.#bytes);
    this.#chunks = [];
    return { filename: this.#filename, purpose: this.#purpose, content, expiresAfterSeconds: this.#expiresAfterSeconds };
  }
}

/** 413 `file`: the content is over FILE_MAX_BYTES (also when a Content-Length says so up front). */
export function fileTooLarge(maxBytes: number): LeveeError {
  return new LeveeError('payload_too_large', `The file is larger than the limit of ${maxBytes} bytes.`, { param: 'file' });
}
