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
  'secret',
  'account.credential',
];

/** Buffered lines reach stdout at least this often, so a quiet server's log is never stale. */
const FLUSH_INTERVAL_MS = 500;

export interface LoggerOptions {
  level: string;
  /** Write asynchronously (fast; flushed on exit). Tests use a synchronous destination. */
  destination?: pino.DestinationStream;
}

let stampedAt = -1;
let stamp = '';

/** ISO time, formatted once per millisecond: under load many lines share one. */
function cachedIsoTime(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/**
 * Drizzle wraps driver errors in a DrizzleQueryError whose message and stack carry the query's
 * parameters: password hashes, sealed credentials, whole usage batches. Only the driver's own
 * error (code and message, no parameters) reaches the log.
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === 'DrizzleQueryError' && error.cause instanceof Error) {
    const cause = error.cause as Error & { code?: unknown };
    return { type: 'DrizzleQueryError', message: `Failed query: ${cause.message}`, code: cause.code };
  }
  return pino.stdSerializers.err(error);
}

export function createLogger(options: LoggerOptions): Logger {
  // Writing each line with its own syscall cost a tenth of the gateway's CPU under load: lines are
  // buffered (12 KiB, under sonic-boom's 16 KiB write limit) and flushed on a timer and at exit.
  let destination = options.destination;
  if (!destination) {
    const stdout = pino.destination({ dest: 1, sync: false, minLength: 12_288 });
    setInterval(() => stdout.flush(), FLUSH_INTERVAL_MS).unref();
    destination = stdout;
  }
  return pino(
    {
      level: options.level,
      base: { service: 'switchyard' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: cachedIsoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
