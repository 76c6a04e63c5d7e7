import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { I18nProvider } from '../i18n';
import type { ChatMessage } from './chat-state';
import { MessageList } from './MessageList';

afterEach(cleanup);

function show(messages: ChatMessage[]) {
  const loader = {
    preview: vi.fn(async (id: string) => `data:image/png;base64,${id}`),
    download: vi.fn(async () => undefined),
  };
  render(
    <I18nProvider language="en">
      <MessageList messages={messages} attachments={loader} />
    </I18nProvider>,
  );
  return loader;
}

describe('MessageList', () => {
  it('shows a question’s images as thumbnails and its PDFs as chips that download', async () => {
    const loader = show([
      {
        key: 'q',
        role: 'user',
        text: 'look',
        state: null,
        attachments: [
          {
            id: 'fresh',
            name: 'a.png',
            mediaType: 'image/png',
            size: 10,
            previewUrl: 'data:image/png;base64,AA==',
          },
          { id: 'stored', name: 'b.webp', mediaType: 'image/webp', size: 10 },
          { id: 'doc', name: 'notes.pdf', mediaType: 'application/pdf', size: 2_500_000 },
        ],
      },
    ]);
    const images = await waitFor(() => {
      const found = screen.getAllByRole('img') as HTMLImageElement[];
      expect(found).toHaveLength(2);
      return found;
    });
    expect(images.map((i) => [i.alt, i.src])).toEqual([
      ['a.png', 'data:image/png;base64,AA=='],
      ['b.webp', 'data:image/png;base64,stored'],
    ]);
    // A fresh preview is used as is; only the stored image is fetched.
    expect(loader.preview.mock.calls).toEqual([['stored']]);
    const chip = screen.getByTestId('attachment-file');
    expect(chip.textContent).toBe('notes.pdf · 2.4 MB');
    fireEvent.click(chip);
    expect(loader.download).toHaveBeenCalledWith(expect.objectContaining({ id: 'doc' }));
  });

  it('says when an answer waits for the connection, and when it could not be resumed', () => {
    show([
      { key: 'a', role: 'assistant', text: 'partial', state: 'streaming', interrupted: true },
      { key: 'b', role: 'assistant', text: 'cut', state: 'error', error: 'gone', resumeFailed: true },
    ]);
    expect(screen.getByTestId('answer-reconnecting').textContent).toContain('Connection lost');
    expect(screen.getByRole('alert').textContent).toContain('could not be resumed here');
  });
});
