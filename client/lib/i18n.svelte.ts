// Two locales, zh-CN first. Every user-facing string goes through t().
import { en } from './messages/en.js';
import { zh, type Messages } from './messages/zh.js';

export type Locale = 'zh-CN' | 'en';
const CATALOGS: Record<Locale, Messages> = { 'zh-CN': zh, en };
const KEY = 'linli:locale';

function initial(): Locale {
  const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN';
}

export const i18n = $state({ locale: initial() });

export function setLocale(locale: Locale): void {
  i18n.locale = locale;
  localStorage.setItem(KEY, locale);
  document.documentElement.lang = locale;
}

export function t<K extends keyof Messages>(key: K, values: Record<string, string | number> = {}): string {
  const template: string = CATALOGS[i18n.locale][key] ?? zh[key];
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}
