import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { HistoryApi, ImportReport, SearchPage, SearchResult } from '../api/history-api';
import { I18nProvider } from '../i18n';
import { Highlighted } from './Highlighted';
import { HistoryPanel } from './HistoryPanel';
import { messageElementId, useFocusMessage } from './use-focus-message';

afterEach(cleanup);

const result = (overrides: Partial<SearchResult> = {}): SearchResult => ({
  conversationId: 'c1',
  conversationTitle: 'Redis notes',
  messageId: 'm1',
  role: 'user',
  createdAt: '2026-03-01T10:00:00.000Z',
  snippet: { text: 'How do I tune Redis <b>now</b>?', highlights: [{ start: 14, end: 19 }] },
  ...overrides,
});
const page = (data: SearchResult[], next: string | null = null): SearchPage => ({
  data,
  match: 'words',
  next_cursor: next,
});
const report: ImportReport = {
  imported: { conversations: 1, messages: 4, attachments: 1 },
  conversations: [{ index: 0, id: 'n1', title: 'Plans', messages: 4 }],
  skipped: [{ index: 1, title: 'Broken', reason: 'messages.0.role: Invalid option' }],
};

function show(api: Partial<HistoryApi>, language: 'en' | 'zh-CN' = 'en') {
  const handlers = { onOpen: vi.fn(), onImported: vi.fn() };
  const full: HistoryApi = {
    search: vi.fn(() => Promise.resolve(page([]))),
    exportOne: vi.fn(() => Promise.resolve()),
    exportAll: vi.fn(() => Promise.resolve()),
    importFile: vi.fn(() => Promise.resolve(report)),
    ...api,
  };
  render(
    <I18nProvider language={language}>
      <HistoryPanel api={full} {...handlers}>
        <div data-testid="the-list">list</div>
      </HistoryPanel>
    </I18nProvider>,
  );
  return { ...handlers, api: full };
}

const type = (text: string) =>
  fireEvent.change(screen.getByTestId('history-search'), { target: { value: text } });

describe('HistoryPanel search', () => {
  it('searches as one types, marks matches with <mark>, keeps markup as text, and opens a result', async () => {
    const search = vi.fn(() => Promise.resolve(page([result()])));
    const { onOpen } = show({ search });
    expect(screen.getByTestId('the-list')).toBeTruthy();
    type('red');
    type('redis');
    await screen.findByTestId('search-result');
    // Debounced: only the last query went out.
    expect(search).toHaveBeenCalledTimes(1);
    expect(search).toHaveBeenCalledWith('redis');
    expect(screen.queryByTestId('the-list')).toBeNull();
    const snippet = screen.getByTestId('search-snippet');
    expect([...snippet.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['Redis']);
    expect(snippet.querySelector('b')).toBeNull();
    expect(snippet.textContent).toContain('<b>now</b>');
    expect(screen.getByTestId('search-result').textContent).toContain('Redis notes');
    fireEvent.click(screen.getByTestId('search-result'));
    expect(onOpen).toHaveBeenCalledWith('c1', 'm1');
    fireEvent.click(screen.getByRole('button', { name: 'Clear the search' }));
    expect(screen.getByTestId('the-list')).toBeTruthy();
  });

  it('loads more with the cursor, and shows empty and error states', async () => {
    const search = vi.fn((_q: string, cursor?: string | null) =>
      Promise.resolve(
        cursor ? page([result({ messageId: 'm2', conversationTitle: null })]) : page([result()], 'next-1'),
      ),
    );
    show({ search });
    type('redis');
    await screen.findByTestId('search-result');
    fireEvent.click(screen.getByRole('button', { name: 'More results' }));
    await waitFor(() => expect(screen.getAllByTestId('search-result')).toHaveLength(2));
    expect(search).toHaveBeenLastCalledWith('redis', 'next-1');
    expect(screen.getAllByTestId('search-result')[1]?.textContent).toContain('New chat');
    expect(screen.queryByRole('button', { name: 'More results' })).toBeNull();
    cleanup();

    show({ search: () => Promise.resolve(page([])) }, 'zh-CN');
    type('缓存');
    expect((await screen.findByTestId('empty-state')).textContent).toBe('没有与“缓存”匹配的消息。');
    cleanup();
    show({ search: () => Promise.reject(new Error('offline')) });
    type('redis');
    expect((await screen.findByRole('alert')).textContent).toContain('offline');
  });
});

describe('HistoryPanel export and import', () => {
  it('exports everything, imports a picked file and reports what was imported and skipped', async () => {
    const { api, onImported } = show({});
    fireEvent.click(screen.getByTestId('export-all'));
    expect(api.exportAll).toHaveBeenCalledOnce();
    const file = new File(['{}'], 'export.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('import-file'), { target: { files: [file] } });
    const dialog = await screen.findByTestId('import-report');
    await within(dialog).findByTestId('import-summary');
    expect(api.importFile).toHaveBeenCalledWith(file);
    expect(dialog.textContent).toContain('Imported — conversations: 1, messages: 4, files: 1.');
    expect(dialog.textContent).toContain('Plans');
    expect(within(dialog).getByTestId('import-skipped').textContent).toContain(
      'No. 2 “Broken”: messages.0.role: Invalid option',
    );
    expect(onImported).toHaveBeenCalledOnce();
  });

  it('refuses a file over 32 MiB before sending it, and shows a refused import', async () => {
    const importFile = vi.fn(() =>
      Promise.reject(new Error('format: not a Switchyard conversations export')),
    );
    const { onImported } = show({ importFile });
    const big = new File(['x'], 'big.json');
    Object.defineProperty(big, 'size', { value: 40 * 1024 * 1024 });
    fireEvent.change(screen.getByTestId('import-file'), { target: { files: [big] } });
    expect((await screen.findByTestId('import-report')).textContent).toContain('The file is 40.0 MiB');
    expect(importFile).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    fireEvent.change(screen.getByTestId('import-file'), {
      target: { files: [new File(['[]'], 'other.json')] },
    });
    await waitFor(() =>
      expect(screen.getByTestId('import-report').textContent).toContain(
        'Nothing was imported: format: not a Switchyard conversations export',
      ),
    );
    expect(onImported).not.toHaveBeenCalled();
  });
});

describe('Highlighted and focus', () => {
  it('ignores ranges outside the text or overlapping', () => {
    render(
      <p data-testid="p">
        <Highlighted
          snippet={{
            text: 'abcdef',
            highlights: [
              { start: 0, end: 2 },
              { start: 1, end: 3 },
              { start: 4, end: 99 },
              { start: 4, end: 5 },
            ],
          }}
        />
      </p>,
    );
    const p = screen.getByTestId('p');
    expect([...p.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['ab', 'e']);
    expect(p.textContent).toBe('abcdef');
  });

  it('scrolls to the message once it is shown, and marks it for a moment', () => {
    vi.useFakeTimers();
    try {
      let focus: ((id: string) => void) | undefined;
      function Probe({ shown }: { shown: string[] }) {
        focus = useFocusMessage(shown);
        return (
          <>
            {shown.map((id) => (
              <div key={id} id={messageElementId(id)} data-testid={id} />
            ))}
          </>
        );
      }
      const { rerender } = render(<Probe shown={[]} />);
      act(() => focus?.('m7'));
      rerender(<Probe shown={['m6', 'm7']} />);
      const element = screen.getByTestId('m7');
      expect(element.getAttribute('data-focused')).toBe('true');
      expect(screen.getByTestId('m6').getAttribute('data-focused')).toBeNull();
      act(() => vi.advanceTimersByTime(3_000));
      expect(element.getAttribute('data-focused')).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
