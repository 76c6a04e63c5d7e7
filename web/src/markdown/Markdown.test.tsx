import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { I18nProvider } from '../i18n';
import Markdown from './Markdown';

const show = (text: string) =>
  render(
    <I18nProvider language="en">
      <Markdown text={text} />
    </I18nProvider>,
  );

afterEach(cleanup);

describe('Markdown', () => {
  it('shows an <img onerror> as text and makes no element of it', () => {
    const { container } = show('look: <img src=x onerror=alert(1)>');
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('[onerror]')).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('shows a <script> block as text and runs nothing', () => {
    const before = (globalThis as { pwned?: boolean }).pwned;
    const { container } = show('<script>globalThis.pwned = true</script>\n\nafter');
    expect(container.querySelector('script')).toBeNull();
    expect(container.textContent).toContain('<script>globalThis.pwned = true</script>');
    expect((globalThis as { pwned?: boolean }).pwned).toBe(before);
  });

  it('drops javascript: links but keeps ordinary ones', () => {
    const { container } = show('[bad](javascript:alert(1)) and [good](https://example.com/x)');
    const hrefs = [...container.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? '');
    expect(hrefs.some((h) => h.toLowerCase().startsWith('javascript:'))).toBe(false);
    expect(hrefs).toContain('https://example.com/x');
    expect(container.querySelector('a[href="https://example.com/x"]')?.getAttribute('rel')).toBe(
      'noopener noreferrer',
    );
  });

  it('renders GFM tables and highlights code blocks as elements', () => {
    const { container } = show('| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nconst x = "<b>";\n```');
    expect(container.querySelectorAll('td')).toHaveLength(2);
    const code = container.querySelector('pre code');
    expect(code?.querySelector('.hljs-keyword')?.textContent).toBe('const');
    // The string literal is text inside a span, not markup.
    expect(code?.querySelector('b')).toBeNull();
    expect(code?.textContent).toContain('const x = "<b>";');
  });

  it('copies the code text with the copy button', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    show('```python\nprint("hi")\n```');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    });
    expect(writeText).toHaveBeenCalledWith('print("hi")\n');
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeTruthy();
  });
});
