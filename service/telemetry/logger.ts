/**
 * The one pino logger: JSON lines on stdout. Credentials and request bodies are redacted by path,
 * as a second line of defence; the first is that nothing logs a body, a prompt or a key on purpose.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { activeTraceIds } from './tracing.ts';

export type { Logger };

/** Paths pino censors in a log object: exact ones first, then the wildcards (the costly part). */
const EXACT_REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers["openai-organization"]',
  'req.body',
  'res.headers["set-cookie"]',
  'body',
];
const REDACTED_PATHS = [
  ...EXACT_REDACTED_PATHS,
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  '*.password',
  '*.token',
];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Fields on every line (service name, version). */
  base?: Record<string, unknown>;
  /** Tests pass a stream to read the lines back; production writes to stdout (bufferedStdout). */
  destination?: DestinationStream;
}

/** Bytes of lines gathered before one write; a second bounds how long a line waits. */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_INTERVAL_MS = 1000;

/**
 * pino's asynchronous destination on stdout, buffered: about a dozen access lines per write
 * instead of a write (and a hop to libuv's threads and back) for every few, which measured ~4–20
 * µs per proxied call. Flushed every second, so a quiet replica's lines still show promptly,
 * before the process exits (pino's exit hook) and at shutdown (shutdown.ts).
 */
function bufferedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Destroyed at exit: nothing left to write.
    }
  }, LOG_FLUSH_INTERVAL_MS).unref();
  return destination;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Lines written inside a request carry its trace; the request line adds its own explicitly.
      mixin: () => activeTraceIds() ?? {},
    },
    options.destination ?? bufferedStdout(),
  );
}

/**
 * The logger for the access line of requests that did not fail on the server's side: a line built
 * only from known scalar fields (and, at debug, the request's headers), so the exact paths cover
 * it. The wildcard paths cost ~6.5 µs per line (pino has to walk every key); a 5xx line carries an
 * error object of unknown shape and goes through the full set (`logger`).
 */
export function accessLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: EXACT_REDACTED_PATHS, censor: '[redacted]' } });
}
