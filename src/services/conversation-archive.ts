/**
 * Export and import of a user's conversations (docs/chat-history.md). Exports stream one
 * conversation at a time, so exporting everything holds one conversation in memory, not all.
 * Imports validate each conversation on its own, skip (and report) the bad ones, and store the
 * rest in one transaction with new ids: an import never overwrites anything.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type {
  ChatAttachmentRepository,
  ConversationHistoryRepository,
  ConversationRecord,
  ConversationRepository,
  ImportedConversation,
} from '../store/types.js';
import {
  isImageMediaType,
  MEDIA_TYPE_NAMES,
  sniffMediaType,
  type AttachmentMediaType,
} from './attachment-media.js';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  archivedConversation,
  archiveEnvelope,
  type ArchivedAttachment,
  type ArchivedConversation,
  type ExportedConversation,
  type ImportReport,
} from './conversation-archive-format.js';
import { conversationMarkdown } from './conversation-markdown.js';
import { parseInput } from './parse-input.js';
import { compareOrdinal } from '../ordinal-compare.js';

export type ExportFormat = 'json' | 'markdown';

/** Far beyond what the chat lists; an export must not drop anything. */
const EXPORT_ALL_MAX = 100_000;
const EXPORT_MESSAGES_MAX = 100_000;

export interface ArchiveDeps {
  conversations: ConversationRepository;
  history: ConversationHistoryRepository;
  attachments: ChatAttachmentRepository;
  /** The upload limits: an imported file may not be larger than an uploaded one. */
  attachmentLimits: { imageMaxBytes: number; pdfMaxBytes: number };
  now?: () => Date;
}

export interface ExportStream {
  /** A file name for Content-Disposition (whatever characters it holds; the route encodes it). */
  fileName: string;
  contentType: string;
  chunks: AsyncIterable<string>;
}

/** First issue of a zod error as `path: message`, the way every API error names its field. */
function reasonOf(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = (issue?.path ?? []).map(String).join('.');
  return `${path || 'conversation'}: ${issue?.message ?? 'is invalid'}`;
}

class Skip extends Error {}

export class ConversationArchiveService {
  private readonly now: () => Date;

  constructor(private readonly deps: ArchiveDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** One of the user's conversations, or all of them (`id` undefined). 404 before the first byte is sent. */
  async export(userId: string, id: string | undefined, format: ExportFormat): Promise<ExportStream> {
    let records: ConversationRecord[];
    if (id === undefined) {
      records = await this.deps.conversations.listByUser(userId, EXPORT_ALL_MAX);
    } else {
      const found = await this.deps.conversations.getOwned(id, userId);
      if (!found) throw new NotFoundError(`No conversation with id '${id}'.`);
      records = [found];
    }
    const exportedAt = this.now().toISOString();
    const day = exportedAt.slice(0, 10);
    const base =
      id === undefined ? `switchyard-conversations-${day}` : `${records[0]?.title ?? 'conversation'}-${day}`;
    const archived = this.archived(userId, records);
    if (format === 'markdown') {
      return {
        fileName: `${base}.md`,
        contentType: 'text/markdown; charset=utf-8',
        chunks: (async function* () {
          let first = true;
          for await (const conversation of archived) {
            yield `${first ? '' : '\n\n'}${conversationMarkdown(conversation)}`;
            first = false;
          }
        })(),
      };
    }
    const head = JSON.stringify({ format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, exportedAt }).slice(
      0,
      -1,
    );
    return {
      fileName: `${base}.json`,
      contentType: 'application/json; charset=utf-8',
      chunks: (async function* () {
        yield `${head},"conversations":[`;
        let first = true;
        for await (const conversation of archived) {
          yield `${first ? '' : ','}\n${JSON.stringify(conversation)}`;
          first = false;
        }
        yield '\n]}\n';
      })(),
    };
  }

  private async *archived(
    userId: string,
    records: ConversationRecord[],
  ): AsyncGenerator<ExportedConversation> {
    for (const record of records) {
      const messages = await this.deps.conversations.listMessages(record.id, EXPORT_MESSAGES_MAX);
      const ids = new Set<string>();
      for (const message of messages) {
        const refs = (message.content as { attachments?: unknown } | null)?.attachments;
        if (!Array.isArray(refs)) continue;
        for (const ref of refs) {
          const refId = (ref as { id?: unknown } | null)?.id;
          if (typeof refId === 'string') ids.add(refId);
        }
      }
      const files = ids.size === 0 ? [] : await this.deps.attachments.listOwned([...ids], userId);
      yield {
        id: record.id,
        title: record.title,
        pinned: record.pinned,
        createdAt: record.createdAt.toISOString(),
        updatedAt: record.updatedAt.toISOString(),
        // Stored content verbatim: the export is lossless, and import validates it.
        messages: messages.map((m) => ({
          role: m.role,
          content: m.content,
          createdAt: m.createdAt.toISOString(),
        })),
        ...(files.length > 0
          ? {
              attachments: files
                .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareOrdinal(a.id, b.id))
                .map((f) => ({
                  id: f.id,
                  name: f.name,
                  mediaType: f.mediaType,
                  size: f.size,
                  createdAt: f.createdAt.toISOString(),
                  data: f.data,
                })),
            }
          : {}),
      };
    }
  }

  async import(userId: string, raw: unknown): Promise<ImportReport> {
    const envelope = parseInput(archiveEnvelope, raw);
    const report: ImportReport = {
      imported: { conversations: 0, messages: 0, attachments: 0 },
      conversations: [],
      skipped: [],
    };
    const ready: ImportedConversation[] = [];
    envelope.conversations.forEach((candidate, index) => {
      const title = (candidate as { title?: unknown } | null)?.title;
      const titleOf = typeof title === 'string' ? title.slice(0, 200) : null;
      try {
        const parsed = archivedConversation.safeParse(candidate);
        if (!parsed.success) throw new Skip(reasonOf(parsed.error));
        const prepared = this.prepared(parsed.data);
        ready.push(prepared);
        report.conversations.push({
          index,
          id: prepared.conversation.id,
          title: prepared.conversation.title,
          messages: prepared.messages.length,
        });
        report.imported.conversations++;
        report.imported.messages += prepared.messages.length;
        report.imported.attachments += prepared.attachments.length;
      } catch (error) {
        if (!(error instanceof Skip)) throw error;
        report.skipped.push({ index, title: titleOf, reason: error.message });
      }
    });
    if (ready.length > 0) await this.deps.history.importConversations(userId, ready);
    return report;
  }

  /** New ids for everything, files checked like uploads, and every file a message names present. */
  private prepared(conversation: ArchivedConversation): ImportedConversation {
    const id = randomUUID();
    const files = new Map<string, ImportedConversation['attachments'][number]>();
    (conversation.attachments ?? []).forEach((file, i) => {
      if (files.has(file.id)) throw new Skip(`attachments.${i}.id: '${file.id}' appears twice`);
      files.set(file.id, this.checkedFile(file, i, id));
    });
    // Random ids sorted: messages with the same time keep the file's order (the list orders by time, id).
    const messageIds = conversation.messages.map(() => randomUUID()).sort();
    const used = new Set<string>();
    const messages = conversation.messages.map((message, i) => {
      const refs = message.content.attachments?.map((ref, j) => {
        const file = files.get(ref.id);
        if (!file) {
          throw new Skip(
            `messages.${i}.content.attachments.${j}: names the file '${ref.id}', which the export does not hold`,
          );
        }
        if (ref.mediaType !== file.mediaType || ref.size !== file.size) {
          throw new Skip(`messages.${i}.content.attachments.${j}: its type or size differs from the file's`);
        }
        used.add(ref.id);
        return { ...ref, id: file.id };
      });
      return {
        id: messageIds[i] as string,
        conversationId: id,
        role: message.role,
        content: refs === undefined ? message.content : { ...message.content, attachments: refs },
        createdAt: new Date(message.createdAt),
      };
    });
    return {
      conversation: {
        id,
        title: conversation.title,
        pinned: conversation.pinned,
        createdAt: new Date(conversation.createdAt),
        updatedAt: new Date(conversation.updatedAt),
      },
      messages,
      // Files no message names would only take space.
      attachments: [...files].filter(([oldId]) => used.has(oldId)).map(([, file]) => file),
    };
  }

  private checkedFile(file: ArchivedAttachment, i: number, conversationId: string) {
    const bytes = Buffer.from(file.data, 'base64');
    if (bytes.toString('base64') !== file.data) throw new Skip(`attachments.${i}.data: is not valid base64`);
    const mediaType = file.mediaType as AttachmentMediaType;
    if (sniffMediaType(bytes) !== mediaType) {
      throw new Skip(`attachments.${i}.data: is not a ${MEDIA_TYPE_NAMES[mediaType]}`);
    }
    if (bytes.length !== file.size) {
      throw new Skip(`attachments.${i}.size: says ${file.size} bytes, the data holds ${bytes.length}`);
    }
    const { imageMaxBytes, pdfMaxBytes } = this.deps.attachmentLimits;
    const limit = isImageMediaType(mediaType) ? imageMaxBytes : pdfMaxBytes;
    if (bytes.length > limit) {
      throw new Skip(
        `attachments.${i}: ${bytes.length} bytes is more than the ${limit} a file may have here`,
      );
    }
    return {
      id: randomUUID(),
      conversationId,
      name: file.name,
      mediaType,
      size: file.size,
      data: file.data,
      createdAt: new Date(file.createdAt),
    };
  }
}
