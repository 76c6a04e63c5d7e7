/**
 * English and Simplified Chinese. The browser's preferred languages pick one at first visit; the
 * switcher's choice is remembered in localStorage. No library: two flat dictionaries suffice.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };
const STORAGE_KEY = 'switchyard.language';

/** The first of the browser's languages we have: any Chinese but Traditional → zh-CN; else English. */
export function detectLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('en')) return 'en';
    if (
      lower === 'zh' ||
      lower.startsWith('zh-cn') ||
      lower.startsWith('zh-hans') ||
      lower.startsWith('zh-sg')
    ) {
      return 'zh-CN';
    }
  }
  return 'en';
}

export function translate(language: Language, key: MessageKey, values?: Record<string, string>): string {
  const template = DICTIONARIES[language][key];
  return values ? template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole) : template;
}

function initialLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'zh-CN') return stored;
  const nav = globalThis.navigator;
  return detectLanguage(nav?.languages?.length ? nav.languages : [nav?.language ?? 'en']);
}

interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey, values?: Record<string, string>): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children, language: fixed }: { children: ReactNode; language?: Language }) {
  const [language, setState] = useState<Language>(() => fixed ?? initialLanguage());
  const setLanguage = useCallback((next: Language) => {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
    setState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo<I18n>(
    () => ({ language, setLanguage, t: (key, values) => translate(language, key, values) }),
    [language, setLanguage],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
