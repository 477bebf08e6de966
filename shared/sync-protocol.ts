// Message types on the Yjs websocket. 0–3 are y-websocket's own; SAVED is Linli's: the server
// tells lead clients up to which clock of each Yjs client the board is committed in Postgres.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;
export const MESSAGE_SAVED = 100;

/** clientID → the next clock not yet saved (Yjs state-vector semantics). */
export type SavedClocks = Map<number, number>;

export function encodeSaved(clocks: Iterable<[number, number]>): Uint8Array {
  const entries = [...clocks];
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SAVED);
  encoding.writeVarUint(encoder, entries.length);
  for (const [client, clock] of entries) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clock);
  }
  return encoding.toUint8Array(encoder);
}

/** Reads the body of a SAVED message (after its type). */
export function readSaved(decoder: decoding.Decoder): [number, number][] {
  const count = decoding.readVarUint(decoder);
  const out: [number, number][] = [];
  for (let i = 0; i < count; i++) out.push([decoding.readVarUint(decoder), decoding.readVarUint(decoder)]);
  return out;
}
