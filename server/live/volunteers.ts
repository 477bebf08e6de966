// Volunteers' phones over socket.io /volunteer: their own projection, and commands applied with
// the shared mutations, acknowledged, and idempotent by commandId.
import type { Namespace } from 'socket.io';
import { applyVolunteerCommand, VolunteerCommand, type CommandAck } from '../../shared/commands.js';
import type { Origin } from '../../shared/mutations.js';
import { volunteerView, type VolunteerView } from '../../shared/projections.js';
import type { Tokens } from '../auth.js';
import type { Room } from '../sync/room.js';
import type { Rooms } from '../sync/rooms.js';
import { ProjectionHub } from './hub.js';

const ACKS_KEPT = 2_000;

export function volunteerHub(
  namespace: Namespace, rooms: Rooms, tokens: Tokens, log: (message: string, error?: unknown) => void,
): ProjectionHub<VolunteerView> {
  /** Answers already given, by board, volunteer and commandId: a resent command is not applied twice. */
  const acks = new Map<string, CommandAck>();

  const command = (room: Room, volunteerId: string, raw: unknown): CommandAck => {
    const parsed = VolunteerCommand.safeParse(raw);
    if (!parsed.success) return { ok: false, code: 'invalid', message: parsed.error.issues[0]?.message ?? 'invalid command' };
    const key = `${room.id}:${volunteerId}:${parsed.data.commandId}`;
    const seen = acks.get(key);
    if (seen) return seen;
    // Attributed to the volunteer (history shows their name), whichever of their links sent it.
    const origin: Origin = { source: 'command', actor: volunteerId, commandId: parsed.data.commandId };
    let answer: CommandAck;
    try {
      const result = applyVolunteerCommand(room.doc, volunteerId, parsed.data, origin);
      answer = result.ok ? { ok: true } : { ok: false, code: result.code, message: result.message };
    } catch (error) {
      log('volunteer command failed', error);
      return { ok: false, code: 'internal', message: 'internal error' };
    }
    acks.set(key, answer);
    if (acks.size > ACKS_KEPT) acks.delete(acks.keys().next().value!);
    return answer;
  };

  return new ProjectionHub(namespace, rooms, tokens, log, {
    view: (board, principal) => volunteerView(board, principal.volunteerId!),
    onSocket: (socket, room, principal, changed) => {
      socket.on('command', (raw: unknown, ack: unknown) => {
        if (typeof ack !== 'function') return;
        (ack as (answer: CommandAck) => void)(command(room, principal.volunteerId!, raw));
        changed();
      });
    },
  });
}
