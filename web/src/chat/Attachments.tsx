/**
 * Files with a message: images as thumbnails, PDFs as chips that download the file. Pending ones
 * (picked for the next question) show their upload state and can be removed.
 */
import { useEffect, useState } from 'react';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import { CloseIcon, DocumentIcon } from '../components/icons';
import { useI18n } from '../i18n';
import type { ShownAttachment } from './chat-state';
import type { PendingAttachment } from './use-pending-attachments';

export interface AttachmentLoader {
  /** A stored image as a data: URL. */
  preview(id: string): Promise<string>;
  /** Saves a stored file (the browser's download). */
  download(attachment: ShownAttachment): Promise<void>;
}

const sizeOf = (bytes: number) =>
  bytes < 1_048_576 ? `${Math.max(1, Math.round(bytes / 1_024))} KB` : `${(bytes / 1_048_576).toFixed(1)} MB`;

const Thumb = ({ src, alt, size }: { src: string; alt: string; size: number }) => (
  <Box
    component="img"
    src={src}
    alt={alt}
    sx={{ maxWidth: size, maxHeight: size, borderRadius: 1, display: 'block', objectFit: 'cover' }}
  />
);

function StoredImage({ attachment, loader }: { attachment: ShownAttachment; loader?: AttachmentLoader }) {
  const [src, setSrc] = useState(attachment.previewUrl);
  useEffect(() => {
    if (src || !loader) return;
    let live = true;
    loader.preview(attachment.id).then(
      (url) => live && setSrc(url),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [attachment.id, loader, src]);
  return src ? (
    <Thumb src={src} alt={attachment.name} size={200} />
  ) : (
    <Chip size="small" label={attachment.name} />
  );
}

export function MessageAttachments({
  attachments,
  loader,
}: {
  attachments: readonly ShownAttachment[];
  loader?: AttachmentLoader | undefined;
}) {
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, mb: 1 }} data-testid="message-attachments">
      {attachments.map((a) =>
        a.mediaType.startsWith('image/') ? (
          <Box key={a.id} data-testid="attachment-image" title={a.name}>
            <StoredImage attachment={a} {...(loader ? { loader } : {})} />
          </Box>
        ) : (
          <Chip
            key={a.id}
            icon={<DocumentIcon />}
            label={`${a.name} · ${sizeOf(a.size)}`}
            variant="outlined"
            data-testid="attachment-file"
            {...(loader ? { onClick: () => void loader.download(a) } : {})}
          />
        ),
      )}
    </Box>
  );
}

export function PendingAttachments({
  items,
  onRemove,
}: {
  items: readonly PendingAttachment[];
  onRemove(key: string): void;
}) {
  const { t } = useI18n();
  if (items.length === 0) return null;
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1 }}>
      {items.map((item) => (
        <Chip
          key={item.key}
          data-testid="pending-attachment"
          data-status={item.status}
          avatar={
            item.status === 'uploading' ? (
              <CircularProgress size={16} aria-label={t('chat.uploading')} />
            ) : item.previewUrl ? (
              <Box
                component="img"
                src={item.previewUrl}
                alt=""
                sx={{ width: 24, height: 24, objectFit: 'cover' }}
              />
            ) : (
              <DocumentIcon />
            )
          }
          label={item.name}
          onDelete={() => onRemove(item.key)}
          deleteIcon={<CloseIcon aria-label={t('chat.removeAttachment', { name: item.name })} />}
        />
      ))}
    </Box>
  );
}
