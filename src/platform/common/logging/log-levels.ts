/** LOG_LEVEL's values, lowest first (the config validates it; the logger ranks by it). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
