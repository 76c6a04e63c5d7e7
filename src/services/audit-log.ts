import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import type { AuditEntry, AuditFilter, AuditRepository } from '../store/types.js';
import { parseInput } from './parse-input.js';
import type { Agree, AuditEntryView, Same } from './admin-views.js';

export type { AuditEntryView } from './admin-views.js';
/** Fails to compile when the actor types drift from their copy in admin-views.ts. */
export type AuditViewAgrees = Agree<Same<AuditEntry['actorType'], AuditEntryView['actorType']>>;

const MAX_JSON_PAGE = 1_000;
const MAX_CSV_PAGE = 10_000;

export const auditQueryInput = z.strictObject({
  action: z.string().min(1).max(64).optional(),
  actor: z.string().min(1).max(64).optional(),
  target: z.string().min(1).max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_CSV_PAGE).optional(),
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

export interface AuditPage {
  format: 'json' | 'csv';
  data: AuditEntryView[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The audit log as admins read it: filtered, newest first, paged with an opaque cursor. */
export class AuditLogService {
  constructor(private readonly audit: AuditRepository) {}

  async query(raw: unknown): Promise<AuditPage> {
    const input = parseInput(auditQueryInput, raw);
    const max = input.format === 'csv' ? MAX_CSV_PAGE : MAX_JSON_PAGE;
    const limit = Math.min(input.limit ?? (input.format === 'csv' ? MAX_CSV_PAGE : 100), max);
    const filter: AuditFilter = {
      action: input.action,
      actorId: input.actor,
      targetId: input.target,
      from: input.from === undefined ? undefined : new Date(input.from),
      to: input.to === undefined ? undefined : new Date(input.to),
      before: input.cursor === undefined ? undefined : decodeCursor(input.cursor),
      // One more than asked tells whether another page exists.
      limit: limit + 1,
    };
    const rows = await this.audit.list(filter);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      format: input.format,
      data: page.map(viewOf),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }
}

function viewOf(entry: AuditEntry): AuditEntryView {
  return { ...entry, at: entry.at.toISOString() };
}

function encodeCursor(entry: AuditEntry): string {
  return Buffer.from(JSON.stringify([entry.at.toISOString(), entry.id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      const at = new Date(parsed[0]);
      if (!Number.isNaN(at.getTime())) return { at, id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidRequestError('cursor: not a cursor this API returned.');
}

const CSV_COLUMNS = [
  'id',
  'at',
  'actor_type',
  'actor_id',
  'action',
  'target_type',
  'target_id',
  'ip',
  'details',
];

/**
 * One CSV cell, safe to open in a spreadsheet: always quoted, quotes doubled, and a cell a
 * spreadsheet would run as a formula (= + - @, tab, carriage return) is prefixed with a quote.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const inert = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${inert.replaceAll('"', '""')}"`;
}

export function auditCsv(entries: readonly AuditEntryView[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) {
    lines.push(
      [
        e.id,
        e.at,
        e.actorType,
        e.actorId,
        e.action,
        e.targetType,
        e.targetId,
        e.ip,
        JSON.stringify(e.details),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
