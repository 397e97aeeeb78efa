import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  level: LevelWithSilent;
  /** Write to this file descriptor (default stderr). */
  destination?: number;
}

/** The root logger of a process; components take `logger.child({ component })`. */
export function createLogger(opts: LogOptions): Logger {
  return pino({ level: opts.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: opts.destination ?? 2, sync: false }));
}

/** A logger that drops everything; the default in tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
