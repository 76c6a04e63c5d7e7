/**
 * The files picked for the next question: each is uploaded at once (so sending is instant), shows
 * a preview while it is fresh, and can be removed. Refusals (type, count, or the server's own,
 * e.g. size) become messages the composer shows.
 */
import { useCallback, useRef, useState } from 'react';
import { ATTACHABLE_TYPES, dataUrlOf, MAX_ATTACHMENTS } from '../api/attachments-api';
import type { AttachmentRef } from '../api/chat-socket';
import type { MessageKey } from '../i18n/en';
import type { ShownAttachment } from './chat-state';

export interface PendingAttachment {
  key: string;
  name: string;
  mediaType: string;
  status: 'uploading' | 'ready';
  ref?: AttachmentRef;
  previewUrl?: string;
}

type Translate = (key: MessageKey, values?: Record<string, string>) => string;

const changeOf =
  (setItems: (update: (all: PendingAttachment[]) => PendingAttachment[]) => void) =>
  (key: string, patch: Partial<PendingAttachment>) =>
    setItems((all) => all.map((item) => (item.key === key ? { ...item, ...patch } : item)));

export function usePendingAttachments(upload: (file: File) => Promise<AttachmentRef>, t: Translate) {
  const [items, setItems] = useState<PendingAttachment[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const count = useRef(0);
  count.current = items.length;
  const serial = useRef(0);

  const add = useCallback(
    (files: Iterable<File>) => {
      const change = changeOf(setItems);
      const refused: string[] = [];
      for (const file of files) {
        if (!ATTACHABLE_TYPES.includes(file.type)) {
          refused.push(t('chat.unsupportedFile', { name: file.name }));
          continue;
        }
        if (count.current >= MAX_ATTACHMENTS) {
          refused.push(t('chat.tooManyFiles', { max: String(MAX_ATTACHMENTS) }));
          break;
        }
        count.current++;
        const key = `${++serial.current}-${file.name}`;
        setItems((all) => [...all, { key, name: file.name, mediaType: file.type, status: 'uploading' }]);
        if (file.type.startsWith('image/')) {
          dataUrlOf(file).then(
            (previewUrl) => change(key, { previewUrl }),
            () => undefined,
          );
        }
        upload(file).then(
          (ref) => change(key, { status: 'ready', ref, mediaType: ref.mediaType }),
          (error: unknown) => {
            setItems((all) => all.filter((item) => item.key !== key));
            const message = error instanceof Error ? error.message : String(error);
            setErrors((all) => [...all, t('chat.uploadFailed', { name: file.name, message })]);
          },
        );
      }
      setErrors(refused);
    },
    [upload, t],
  );

  const remove = useCallback((key: string) => setItems((all) => all.filter((item) => item.key !== key)), []);
  const clear = useCallback(() => {
    setItems([]);
    setErrors([]);
  }, []);
  const dismiss = useCallback((index: number) => setErrors((all) => all.filter((_, i) => i !== index)), []);

  const ready: ShownAttachment[] = items.flatMap((item) =>
    item.ref ? [{ ...item.ref, ...(item.previewUrl ? { previewUrl: item.previewUrl } : {}) }] : [],
  );
  return {
    items,
    errors,
    add,
    remove,
    clear,
    dismiss,
    ready,
    uploading: items.some((i) => i.status === 'uploading'),
  };
}
