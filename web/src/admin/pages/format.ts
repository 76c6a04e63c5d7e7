import type { AdminT } from '../i18n';

/** A duration as people read it: "12 s", "3 min 4 s", "2 h 5 min". */
export function formatAge(ms: number, t: AdminT): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return t('time.seconds', { s: seconds });
  if (seconds < 3600) return t('time.minutes', { m: Math.floor(seconds / 60), s: seconds % 60 });
  return t('time.hours', { h: Math.floor(seconds / 3600), m: Math.floor((seconds % 3600) / 60) });
}

export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
