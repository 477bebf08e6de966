// The lead's live board: a Y.Doc synced over y-websocket, read into plain data for the views.
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { readBoard, type Board } from '../../shared/doc.js';
import { CLOSE } from '../../shared/errors.js';
import { SaveTracker, type SaveState } from './save-state.js';

export type BoardProblem = 'linkInvalid' | 'linkWrongRole' | 'boardMissing';

const PROBLEMS: Record<number, BoardProblem> = {
  [CLOSE.badToken]: 'linkInvalid',
  [CLOSE.wrongRole]: 'linkWrongRole',
  [CLOSE.unknownBoard]: 'boardMissing',
};

/** The lead token arrives in the link's #fragment (never sent to servers); keep it per board. */
export function leadToken(boardId: string, fromHash: string): string {
  const key = `linli:lead:${boardId}`;
  if (fromHash) {
    localStorage.setItem(key, fromHash);
    history.replaceState(null, '', location.pathname);
    return fromHash;
  }
  return localStorage.getItem(key) ?? '';
}

export class LeadBoard {
  board = $state.raw<Board | null>(null);
  saveState = $state<SaveState>('offline');
  synced = $state(false);
  problem = $state<BoardProblem | null>(null);

  readonly doc = new Y.Doc();
  private readonly provider: WebsocketProvider;
  private readonly save: SaveTracker;
  private frame = 0;

  constructor(boardId: string, token: string) {
    const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
    this.provider = new WebsocketProvider(base, boardId, this.doc, { params: { token } });
    this.save = new SaveTracker(this.provider);
    this.save.onChange((state) => { this.saveState = state; });
    this.provider.on('sync', (synced: boolean) => {
      this.synced = synced;
      this.refresh();
    });
    this.provider.on('connection-close', (event) => {
      const problem = event ? PROBLEMS[event.code] : undefined;
      if (problem) this.problem = problem;
    });
    this.doc.on('update', () => this.refresh());
  }

  /** Re-reads the board at most once a frame, however many updates arrive. */
  private refresh(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.board = readBoard(this.doc);
    });
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.save.destroy();
    this.provider.destroy();
    this.doc.destroy();
  }
}
