/**
 * The one pino logger: JSON lines on stdout. Credentials and request bodies are redacted by path,
 * as a second line of defence; the first is that nothing logs a body, a prompt or a key on purpose.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { activeTraceIds } from './tracing.ts';

export type { Logger };

/** Paths pino censors wherever they appear in a log object. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers["openai-organization"]',
  'req.body',
  'res.headers["set-cookie"]',
  'body',
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
  /** Tests pass a stream to read the lines back; production writes to stdout. */
  destination?: DestinationStream;
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
    options.destination,
  );
}
