// One pino logger per process, to stderr (stdout is for what the CLI tells the user).
import pino, { type Logger } from 'pino';

export function createLogger(component: string, level = process.env.TENANTRY_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { component } }, pino.destination({ fd: 2, sync: false }));
}
