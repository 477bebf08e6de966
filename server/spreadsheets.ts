// Spreadsheet files in and out, with SheetJS: an uploaded CSV or XLSX as rows of text, and
// tables as CSV (UTF-8 with a BOM, so Excel shows Chinese) or XLSX.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import * as XLSX from '@e965/xlsx';

export type Cell = string | number;

/**
 * The first sheet of a CSV or XLSX file as rows of text, row i being line i + 1 as a spreadsheet
 * shows it; null when unreadable. CSV cells stay text (no guessing of numbers or dates: "0502"
 * stays "0502"); a CSV is UTF-8 (with or without a BOM), else GB18030 — what Excel on a Chinese
 * Windows saves. Self-contained (it is also the worker's source, see SheetReader).
 */
function sheetRows(xlsx: typeof XLSX, data: Uint8Array): string[][] | null {
  try {
    const magic = (bytes: number[]) => bytes.every((byte, i) => data[i] === byte);
    const binary = magic([0x50, 0x4b]) || magic([0xd0, 0xcf, 0x11, 0xe0]); // XLSX (zip), old .xls
    let text = '';
    if (!binary) {
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(data).replace(/^\uFEFF/, '');
      } catch {
        text = new TextDecoder('gb18030').decode(data);
      }
    }
    const book = binary ? xlsx.read(data, { type: 'array', dense: true }) : xlsx.read(text, { type: 'string', dense: true, raw: true });
    const sheet = book.Sheets[book.SheetNames[0] ?? ''];
    if (!sheet) return null;
    const start = sheet['!ref'] ? xlsx.utils.decode_range(sheet['!ref']).s.r : 0;
    const rows = xlsx.utils.sheet_to_json<unknown[]>(sheet, { header: 1, raw: false, defval: '', blankrows: true });
    // A sheet whose used range starts below row 1 still numbers lines from row 1.
    return [...Array.from({ length: start }, () => []), ...rows.map((row) => row.map((cell) => String(cell ?? '')))];
  } catch {
    return null;
  }
}

export function readSheet(data: Uint8Array): string[][] | null {
  return sheetRows(XLSX, data);
}

// An eval'd CommonJS worker, as for compaction (store/merge-worker.ts): no file to build or find.
const WORKER_SOURCE = (xlsxPath: string) => `
const { parentPort } = require('node:worker_threads');
const XLSX = require(${JSON.stringify(xlsxPath)});
// Under tsx (esbuild keepNames) the function's text calls __name(); here it is a no-op.
const __name = (fn) => fn;
const sheetRows = ${sheetRows.toString()};
parentPort.on('message', (data) => parentPort.postMessage(sheetRows(XLSX, data)));`;

const SHEET_TIMEOUT_MS = 30_000;
/** The worker (SheetJS loaded: ~0.5 s to start) stays this long after its last file. */
const WORKER_IDLE_MS = 60_000;

/**
 * Reads sheets on a worker thread: a large XLSX takes SheetJS seconds, which must not stall the
 * boards' websockets. Files are read one at a time; one that takes too long ends the worker.
 */
class SheetReader {
  private worker: Worker | null = null;
  private idle: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  read(data: Uint8Array, timeoutMs: number): Promise<string[][] | null> {
    const job = this.queue.then(() => this.run(data, timeoutMs));
    this.queue = job;
    return job;
  }

  private run(data: Uint8Array, timeoutMs: number): Promise<string[][] | null> {
    if (this.idle) clearTimeout(this.idle);
    const worker = this.worker ??= this.start();
    return new Promise((resolve) => {
      const done = (rows: string[][] | null) => {
        clearTimeout(timer);
        worker.off('message', done);
        worker.off('error', failed);
        this.idle = setTimeout(() => this.stop(), WORKER_IDLE_MS).unref();
        resolve(rows);
      };
      const failed = () => {
        this.stop();
        done(null);
      };
      const timer = setTimeout(failed, timeoutMs);
      worker.on('message', done);
      worker.on('error', failed);
      worker.postMessage(data);
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE(createRequire(import.meta.url).resolve('@e965/xlsx')), { eval: true });
    worker.unref();
    return worker;
  }

  private stop(): void {
    void this.worker?.terminate();
    this.worker = null;
  }
}

const reader = new SheetReader();

export function readSheetOffThread(data: Uint8Array, timeoutMs = SHEET_TIMEOUT_MS): Promise<string[][] | null> {
  return reader.read(data, timeoutMs);
}

/** A text cell Excel would run as a formula gets a leading ' (CSV injection). */
function guard(cell: Cell): string {
  const text = String(cell);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: Cell[][]): Buffer {
  const body = rows.map((row) => row.map((cell) => quote(typeof cell === 'number' ? String(cell) : guard(cell))).join(',')).join('\r\n');
  return Buffer.from(`\uFEFF${body}\r\n`, 'utf8');
}

/** XLSX keeps text as text cells (never formulas), and numbers as numbers. */
export function toXlsx(rows: Cell[][], sheetName: string): Buffer {
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(rows), sheetName.slice(0, 31));
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer;
}
