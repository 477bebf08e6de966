// The closed set of expected failures. Unexpected ones throw and are caught at the transport edge.
export const ERROR_CODES = [
  'invalid',            // input failed its schema
  'notFound',           // the record (task, volunteer, building, board) does not exist
  'volunteerUnavailable', // not eligible today: isolated, sick, resting, left…
  'illegalTransition',  // a status change the lifecycle does not allow
  'notAssignee',        // a volunteer acting on a task that is not theirs
  'unauthorized',       // missing or bad token
  'forbidden',          // a valid token whose role may not do this
  'tooLarge',
  'rateLimited',
  'internal',
  'notReady',           // the board is still syncing: nothing to change yet
  'conflict',           // allowed in general, not now (revoking the board's last admin link)
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type Result<T = undefined> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message: string };

export function ok(): Result<undefined>;
export function ok<T>(value: T): Result<T>;
export function ok<T>(value?: T): Result<T | undefined> {
  return { ok: true, value };
}

export function fail(code: ErrorCode, message: string): { ok: false; code: ErrorCode; message: string } {
  return { ok: false, code, message };
}

/**
 * Websocket close codes of the Yjs endpoint. 4400–4499 are final (the y-websocket client stops
 * reconnecting); 4500–4599 mean "try again later".
 */
export const CLOSE = {
  malformed: 4400,
  badToken: 4401,
  wrongRole: 4403,
  unknownBoard: 4404,
  /** A presence state over the limit. */
  tooLarge: 4413,
  /** A lead update the board refused (invalid record, unknown type, too many deletes, board full): the client drops its local copy and reloads. */
  rejected: 4422,
  /** More messages per second than a socket may send. */
  rateLimited: 4429,
  loadFailed: 4500,
  shuttingDown: 4503,
} as const;
