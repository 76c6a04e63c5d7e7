import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may hold a secret anywhere a log object could carry one. Bodies are never logged,
 * so these are belt and braces for headers and account objects.
 */
export const REDACT_PATHS = [
  'authorization',
  'x-api-key',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'credential',
  'apiKey',
  'password',
  'account.credential',
  '*.credential',
  '*.apiKey',
  '*.password',
];

export interface LoggerOptions {
  level: string;
  /** Write asynchronously (fast; flushed on exit). Tests use a synchronous destination. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false, minLength: 0 });
  return pino(
    {
      level: options.level,
      base: { service: 'switchyard' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
