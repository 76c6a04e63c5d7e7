import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { en } from './en';
import { detectLanguage, I18nProvider, translate, useI18n } from './index';
import { zhCN } from './zh-CN';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

function Probe() {
  const { t, setLanguage, language } = useI18n();
  return (
    <div>
      <span data-testid="text">{t('chat.newChat')}</span>
      <span data-testid="lang">{language}</span>
      <button onClick={() => setLanguage(language === 'en' ? 'zh-CN' : 'en')}>switch</button>
    </div>
  );
}

describe('i18n', () => {
  it('picks the first supported browser language; Traditional Chinese falls back to English', () => {
    expect(detectLanguage(['zh-CN', 'en'])).toBe('zh-CN');
    expect(detectLanguage(['fr-FR', 'zh'])).toBe('zh-CN');
    expect(detectLanguage(['zh-Hans-CN'])).toBe('zh-CN');
    expect(detectLanguage(['zh-TW'])).toBe('en');
    expect(detectLanguage(['en-GB', 'zh-CN'])).toBe('en');
    expect(detectLanguage([])).toBe('en');
  });

  it('has every key in both languages, and no empty string', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const value of [...Object.values(en), ...Object.values(zhCN)]) expect(value.trim()).not.toBe('');
  });

  it('fills placeholders', () => {
    expect(translate('en', 'chat.failed', { message: 'boom' })).toBe('The answer failed: boom');
    expect(translate('zh-CN', 'chat.failed', { message: 'boom' })).toBe('回答失败：boom');
  });

  it('switches at run time and remembers the choice', () => {
    render(
      <I18nProvider>
        <Probe />
      </I18nProvider>,
    );
    const start = screen.getByTestId('lang').textContent;
    fireEvent.click(screen.getByText('switch'));
    const now = screen.getByTestId('lang').textContent;
    expect(now).not.toBe(start);
    expect(screen.getByTestId('text').textContent).toBe(now === 'zh-CN' ? '新对话' : 'New chat');
    expect(localStorage.getItem('switchyard.language')).toBe(now);
    expect(document.documentElement.lang).toBe(now);
  });
});
