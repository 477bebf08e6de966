// A volunteer's phone: the live view over socket.io and a queue of commands that survives
// reloads and dead zones. Commands are sent in order, resent until acknowledged (the server
// answers a repeat by commandId without applying it twice), and shown as pending until then.
import { io, type Socket } from 'socket.io-client';
import type { CommandAck, VolunteerCommand } from '../../shared/commands.js';
import type { ErrorCode } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { VolunteerView } from '../../shared/projections.js';
import { linkToken } from './link-token.js';

export type Connection = 'connecting' | 'online' | 'offline' | 'revoked';
type Queued = { command: VolunteerCommand; error?: ErrorCode };
export type CommandInput = VolunteerCommand extends infer C ? C extends VolunteerCommand ? Omit<C, 'commandId'> : never : never;

const TOKEN_KEY = 'linli:volunteer-token';
const QUEUE_KEY = 'linli:volunteer-queue';
const ACK_TIMEOUT_MS = 8_000;

export function volunteerToken(fromHash: string): string {
  return linkToken(TOKEN_KEY, fromHash);
}

export class VolunteerPhone {
  view = $state.raw<VolunteerView | null>(null);
  connection = $state<Connection>('connecting');
  queue = $state.raw<Queued[]>(JSON.parse(localStorage.getItem(QUEUE_KEY) ?? '[]'));
  /** Titles of cards that arrived since the volunteer last looked. */
  arrived = $state.raw<string[]>([]);

  private readonly socket: Socket;
  private sending = false;

  constructor(token: string) {
    this.socket = io('/volunteer', { auth: { token }, reconnectionDelayMax: 5_000 });
    this.socket.on('connect', () => {
      this.connection = 'online';
      void this.flush();
    });
    this.socket.on('disconnect', () => { if (this.connection !== 'revoked') this.connection = 'offline'; });
    this.socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === 'unauthorized' || error.data?.code === 'forbidden') {
        this.connection = 'revoked';
        this.socket.disconnect();
      } else this.connection = 'offline';
    });
    this.socket.on('revoked', () => { this.connection = 'revoked'; });
    this.socket.on('view', (view: VolunteerView) => this.receive(view));
    // A phone that knows it lost the network stops waiting on a dead socket and queues instead.
    addEventListener('offline', () => { this.socket.disconnect(); this.connection = 'offline'; });
    addEventListener('online', () => { if (!this.socket.connected && this.connection !== 'revoked') this.socket.connect(); });
  }

  private receive(view: VolunteerView): void {
    const before = this.view ? new Set(this.view.tasks.map((t) => t.id)) : null;
    this.view = view;
    if (!before) return;
    const fresh = view.tasks.filter((t) => !before.has(t.id));
    if (fresh.length === 0) return;
    this.arrived = [...this.arrived, ...fresh.map((t) => t.title)];
    navigator.vibrate?.([200, 100, 200]);
    beep();
  }

  dismissArrived(): void {
    this.arrived = [];
  }

  /** Queues a command (kept across reloads) and sends it when connected. */
  send(input: CommandInput): void {
    const command = { ...input, commandId: newId('c', 16) } as VolunteerCommand;
    this.setQueue([...this.queue, { command }]);
    void this.flush();
  }

  /** The status a card will have once its queued commands are through, for the pending badge. */
  pendingFor(taskId: string): VolunteerCommand | undefined {
    return this.queue.findLast((q) => !q.error && 'taskId' in q.command && q.command.taskId === taskId)?.command;
  }

  dismissError(commandId: string): void {
    this.setQueue(this.queue.filter((q) => q.command.commandId !== commandId));
  }

  private setQueue(queue: Queued[]): void {
    this.queue = queue;
    localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
  }

  private async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.socket.connected) {
        const next = this.queue.find((q) => !q.error);
        if (!next) break;
        let ack: CommandAck;
        try {
          ack = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('command', next.command);
        } catch {
          break; // no answer: keep it queued, try again on the next connect
        }
        const rest = this.queue.filter((q) => q.command.commandId !== next.command.commandId);
        this.setQueue(ack.ok ? rest : [...rest, { command: next.command, error: ack.code }]);
      }
    } finally {
      this.sending = false;
    }
  }

  destroy(): void {
    this.socket.close();
  }
}

let audio: AudioContext | null = null;
/** A short tone for a new card; browsers allow it once the volunteer has touched the page. */
function beep(): void {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    osc.frequency.value = 880;
    osc.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  } catch {
    // no sound on this device; the vibration and the banner remain
  }
}
