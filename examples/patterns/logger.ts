/**
 * Where the patterns report what they absorbed: a cache error that did not fail a read or a
 * write is logged here (and counted), so that it is seen without breaking the request.
 *
 * Never log values or session ids: they can hold personal data or be credentials.
 */
export interface PatternLogger {
  warn(event: string, fields: Record<string, unknown>): void;
}

/** Logs one JSON line per event on stderr, the format CloudWatch Logs Insights parses. */
export const jsonConsoleLogger: PatternLogger = {
  warn(event, fields) {
    console.warn(JSON.stringify({ level: 'warn', event, ...fields }));
  },
};

/** The message of an error, or the thrown value as text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.trim();
  return String(error);
}
