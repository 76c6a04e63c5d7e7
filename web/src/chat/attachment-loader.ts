import { attachmentPreview, fetchAttachment } from '../api/attachments-api';
import type { AttachmentLoader } from './Attachments';

/** Stored files for the message list: images as data: URLs, other files saved through a link. */
export function attachmentLoader(token: () => Promise<string>): AttachmentLoader {
  return {
    preview: (id) => attachmentPreview(token, id),
    async download(attachment) {
      const url = URL.createObjectURL(await fetchAttachment(token, attachment.id));
      try {
        const link = document.createElement('a');
        link.href = url;
        link.download = attachment.name;
        link.click();
      } finally {
        // After the click has started the download.
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }
    },
  };
}
