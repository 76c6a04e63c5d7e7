import type { AuditRepository, NewAuditEntry } from '../store/types.js';

/** Who did something, as the audit log records it. */
export interface AuditActor {
  type: 'user' | 'cli' | 'system';
  id: string | null;
}

/** Per-call facts a service writes to the audit log: who asked, and from where. */
export interface AuditContext {
  actor?: AuditActor;
  ip?: string | null;
}

/** Detail keys that could carry a secret; dropped from every audit entry whatever the caller put in. */
const SECRET_KEY = /pass(word)?|secret|token|hash|credential|api_?key|authorization|cookie/i;

function scrub(details: Record<string, unknown>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (SECRET_KEY.test(key)) continue;
    clean[key] =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? scrub(value as Record<string, unknown>)
        : value;
  }
  return clean;
}

/**
 * The audit repository every service writes through: secrets never reach the log, and times are
 * whole milliseconds so the (at, id) cursor of the listing round-trips through JavaScript dates.
 */
export function scrubbedAudit(repository: AuditRepository): AuditRepository {
  return {
    append: (entry: NewAuditEntry) =>
      repository.append({ ...entry, at: entry.at ?? new Date(), details: scrub(entry.details) }),
    list: (filter) => repository.list(filter),
  };
}
