import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { AttachmentRef } from '../api/chat-socket';
import { I18nProvider } from '../i18n';
import { Composer } from './Composer';

afterEach(cleanup);

const png = (name = 'cat.png') =>
  new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], name, { type: 'image/png' });
const pdf = (name = 'notes.pdf') => new File(['%PDF-1.7'], name, { type: 'application/pdf' });

function show(upload: (file: File) => Promise<AttachmentRef>) {
  const onSend = vi.fn();
  const onUpload = vi.fn(upload);
  render(
    <I18nProvider language="en">
      <Composer
        models={{ status: 'ready', data: [{ id: 'm', displayName: 'Model', simulated: false }] }}
        model="m"
        onModel={vi.fn()}
        streaming={false}
        onSend={onSend}
        onStop={vi.fn()}
        onUpload={onUpload}
      />
    </I18nProvider>,
  );
  const pick = (...files: File[]) =>
    fireEvent.change(screen.getByTestId('attach-input'), { target: { files } });
  return { onSend, onUpload, pick };
}

const stored = (file: File, id: string): AttachmentRef => ({
  id,
  name: file.name,
  mediaType: file.type,
  size: file.size,
});
const sendButton = () => screen.getByTestId('send-button') as HTMLButtonElement;

describe('Composer attachments', () => {
  it('uploads picked files at once, waits for them, then sends them with the text', async () => {
    let finish: (ref: AttachmentRef) => void = () => undefined;
    const { onSend, onUpload, pick } = show((file) =>
      file.type === 'image/png'
        ? new Promise((resolve) => (finish = resolve))
        : Promise.resolve(stored(file, 'f2')),
    );
    const image = png();
    pick(image, pdf());
    expect(onUpload).toHaveBeenCalledTimes(2);
    await waitFor(() =>
      expect(screen.getAllByTestId('pending-attachment').map((c) => c.dataset['status'])).toEqual([
        'uploading',
        'ready',
      ]),
    );
    // Still uploading: nothing can be sent yet, not even text.
    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'look' } });
    expect(sendButton().disabled).toBe(true);
    finish(stored(image, 'f1'));
    await waitFor(() => expect(sendButton().disabled).toBe(false));
    fireEvent.click(sendButton());
    expect(onSend).toHaveBeenCalledTimes(1);
    const [text, attachments] = onSend.mock.calls[0] as [
      string,
      Array<AttachmentRef & { previewUrl?: string }>,
    ];
    expect(text).toBe('look');
    expect(attachments.map((a) => [a.id, a.name])).toEqual([
      ['f1', 'cat.png'],
      ['f2', 'notes.pdf'],
    ]);
    // The image's own preview goes along, so the sent question shows it without a download.
    expect(attachments[0]?.previewUrl).toMatch(/^data:image\/png;base64,/);
    expect(screen.queryAllByTestId('pending-attachment')).toEqual([]);
  });

  it('sends a file without text, and a removed file is not sent', async () => {
    const { onSend, pick } = show(async (file) => stored(file, file.name));
    pick(png('a.png'), png('b.png'));
    await waitFor(() => expect(sendButton().disabled).toBe(false));
    fireEvent.click(screen.getByLabelText('Remove a.png'));
    fireEvent.click(sendButton());
    expect((onSend.mock.calls[0] as [string, AttachmentRef[]])[1].map((a) => a.id)).toEqual(['b.png']);
  });

  it('refuses other types and a sixth file before uploading, and shows the server’s refusal', async () => {
    const { onUpload, pick } = show(async (file) => {
      if (file.name === 'huge.png')
        throw new Error('The PNG image is 6.2 MiB; at most 5 MiB can be attached.');
      return stored(file, file.name);
    });
    pick(new File(['x'], 'notes.txt', { type: 'text/plain' }));
    expect(onUpload).not.toHaveBeenCalled();
    expect(screen.getByTestId('attachment-error').textContent).toContain(
      '“notes.txt” cannot be attached: only PNG, JPEG, GIF and WebP images and PDFs can.',
    );
    pick(png('huge.png'));
    await waitFor(() =>
      expect(screen.getByTestId('attachment-error').textContent).toContain(
        '“huge.png” was not attached: The PNG image is 6.2 MiB; at most 5 MiB can be attached.',
      ),
    );
    expect(screen.queryAllByTestId('pending-attachment')).toEqual([]);
    pick(...['1', '2', '3', '4', '5', '6'].map((n) => png(`${n}.png`)));
    expect(onUpload).toHaveBeenCalledTimes(6);
    expect(screen.getAllByTestId('pending-attachment')).toHaveLength(5);
    expect(screen.getByTestId('attachment-error').textContent).toContain('At most 5 files per message.');
  });

  it('attaches files pasted into the text box and leaves pasted text alone', async () => {
    const { onUpload } = show(async (file) => stored(file, 'p'));
    fireEvent.paste(screen.getByTestId('composer-input'), {
      clipboardData: { files: [png('screenshot.png')] },
    });
    expect(onUpload).toHaveBeenCalledTimes(1);
    fireEvent.paste(screen.getByTestId('composer-input'), { clipboardData: { files: [] } });
    expect(onUpload).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByTestId('pending-attachment').dataset['status']).toBe('ready'));
  });
});
