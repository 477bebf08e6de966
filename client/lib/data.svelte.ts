// The lead's imports and exports over REST with the lead token: a file previewed (dry run) and
// then imported whole, downloads of tasks and service hours, and the delivery sheet's data.
import type { ImportError, ImportKind } from '../../shared/imports.js';
import type { SheetBuilding } from '../../shared/exports.js';

export interface PreviewAnswer {
  kind: ImportKind;
  preview: Record<string, unknown>[];
  cards?: { action: string; building: string; title: string; households: number; quantity: number }[];
  errors: ImportError[];
  summary: { create: number; update: number };
}

const TYPES: Record<string, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xls: 'application/vnd.ms-excel',
};

/** A file's content type by its name: browsers often leave CSV and XLSX types empty. */
export function fileType(name: string): string | null {
  return TYPES[name.toLowerCase().split('.').pop() ?? ''] ?? null;
}

export class DataTools {
  kind = $state<ImportKind>('groupbuy');
  file = $state.raw<File | null>(null);
  answer = $state.raw<PreviewAnswer | null>(null);
  busy = $state(false);
  /** The last outcome: a message key of the data catalog and its values. */
  notice = $state.raw<{ key: string; values?: Record<string, string | number>; error?: boolean } | null>(null);

  constructor(readonly boardId: string, private readonly token: string) {}

  get canImport(): boolean {
    return !this.busy && this.answer !== null && this.answer.errors.length === 0 && this.answer.preview.length > 0;
  }

  private async send(dryRun: boolean): Promise<Response | null> {
    const file = this.file;
    const type = file && fileType(file.name);
    if (!file || !type) {
      this.notice = { key: 'data.badFile', error: true };
      return null;
    }
    try {
      const product = encodeURIComponent(file.name.replace(/\.[^.]*$/, '').slice(0, 60));
      return await fetch(`/api/boards/${this.boardId}/imports?kind=${this.kind}&product=${product}${dryRun ? '&dryRun=1' : ''}`, {
        method: 'POST', headers: { authorization: `Bearer ${this.token}`, 'content-type': type }, body: file,
      });
    } catch {
      this.notice = { key: 'data.offline', error: true };
      return null;
    }
  }

  /** Reads the chosen file on the server without changing anything. */
  async preview(): Promise<void> {
    this.answer = null;
    this.notice = null;
    this.busy = true;
    const res = await this.send(true);
    this.busy = false;
    if (!res) return;
    const body = await res.json();
    if (res.ok) this.answer = body as PreviewAnswer;
    else this.notice = { key: res.status === 413 ? 'data.tooLarge' : 'data.badFile', error: true };
  }

  /** Imports the previewed file; the new records reach the board through the live document. */
  async apply(): Promise<void> {
    if (!this.canImport) return;
    this.busy = true;
    const res = await this.send(false);
    this.busy = false;
    if (!res) return;
    const body = await res.json();
    if (res.status === 201) {
      this.notice = { key: 'data.imported', values: body as { created: number; updated: number } };
      this.answer = null;
      this.file = null;
    } else if (res.status === 422 && Array.isArray(body.errors)) {
      this.answer = { ...this.answer!, errors: body.errors };
    } else {
      this.notice = { key: 'data.failed', values: { message: body?.error?.message ?? res.status }, error: true };
    }
  }

  /** Downloads an export through the lead token (a plain link could not carry it). */
  async download(file: string, query = ''): Promise<void> {
    try {
      const res = await fetch(`/api/boards/${this.boardId}/exports/${file}${query}`, { headers: { authorization: `Bearer ${this.token}` } });
      if (!res.ok) throw new Error(String(res.status));
      const name = res.headers.get('content-disposition')?.match(/filename="([^"]+)"/)?.[1] ?? file;
      const url = URL.createObjectURL(await res.blob());
      const a = Object.assign(document.createElement('a'), { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      this.notice = { key: 'data.downloadFailed', error: true };
    }
  }
}

export interface Sheet {
  name: string;
  at: number;
  buildings: SheetBuilding[];
}

export async function loadSheet(boardId: string, token: string): Promise<Sheet | { error: string }> {
  try {
    const res = await fetch(`/api/boards/${boardId}/delivery-sheet`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.json();
    return res.ok ? body as Sheet : { error: body?.error?.code ?? 'internal' };
  } catch {
    return { error: 'offline' };
  }
}

/** "13800005678" → "138****5678"; shorter numbers keep only their last 4 digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length >= 11) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  return digits.length > 4 ? `****${digits.slice(-4)}` : phone ? '****' : '';
}
