import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { Conversation } from '../api/chat-api';
import type { Resource } from '../api/use-resource';
import { I18nProvider } from '../i18n';
import { ConversationList } from './ConversationList';

afterEach(cleanup);

const conversation = (id: string, title: string | null, pinned = false): Conversation => ({
  id,
  title,
  pinned,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

function show(conversations: Resource<Conversation[]>) {
  const handlers = {
    onSelect: vi.fn(),
    onRename: vi.fn(),
    onPin: vi.fn(),
    onDelete: vi.fn(),
    onRetry: vi.fn(),
    onExport: vi.fn(),
  };
  render(
    <I18nProvider language="en">
      <ConversationList conversations={conversations} selectedId="b" {...handlers} />
    </I18nProvider>,
  );
  return handlers;
}

describe('ConversationList', () => {
  it('shows loading, empty and error states; retry calls back', () => {
    show({ status: 'loading' });
    expect(screen.getByRole('status').textContent).toContain('Loading');
    cleanup();
    show({ status: 'ready', data: [] });
    expect(screen.getByTestId('empty-state').textContent).toContain('No conversations yet');
    cleanup();
    const { onRetry } = show({ status: 'error', message: 'offline' });
    expect(screen.getByRole('alert').textContent).toContain('offline');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('lists titles (untitled ones as "New chat") and selects, pins, renames and deletes', () => {
    const handlers = show({
      status: 'ready',
      data: [conversation('a', 'First', true), conversation('b', null)],
    });
    const items = screen.getAllByTestId('conversation-item');
    expect(items.map((i) => i.textContent?.includes('First') ?? false)).toEqual([true, false]);
    expect(items[1]?.textContent).toContain('New chat');
    fireEvent.click(items[0] as HTMLElement);
    expect(handlers.onSelect).toHaveBeenCalledWith('a');

    fireEvent.click(within(items[0] as HTMLElement).getByRole('button', { name: 'Unpin' }));
    expect(handlers.onPin).toHaveBeenCalledWith('a', false);
    expect(handlers.onSelect).toHaveBeenCalledTimes(1);

    fireEvent.click(within(items[1] as HTMLElement).getByRole('button', { name: 'Rename' }));
    const field = screen.getByLabelText('Title');
    fireEvent.change(field, { target: { value: '  Renamed  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(handlers.onRename).toHaveBeenCalledWith('b', 'Renamed');

    // The closing rename dialog still hides the rest from the accessibility tree: find by label.
    fireEvent.click(within(items[0] as HTMLElement).getByLabelText('Delete'));
    expect(screen.getByText('Delete “First” and all its messages?')).toBeTruthy();
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete' }));
    expect(handlers.onDelete).toHaveBeenCalledWith('a');
  });

  it('exports a conversation as JSON or Markdown from its menu', () => {
    const handlers = show({ status: 'ready', data: [conversation('a', 'First'), conversation('b', null)] });
    const items = screen.getAllByTestId('conversation-item');
    fireEvent.click(within(items[1] as HTMLElement).getByLabelText('Export'));
    expect(screen.getByTestId('export-json').textContent).toBe('JSON (can be imported again)');
    fireEvent.click(screen.getByTestId('export-markdown'));
    expect(handlers.onExport).toHaveBeenCalledWith('b', 'markdown');
    expect(handlers.onSelect).not.toHaveBeenCalled();
  });
});
