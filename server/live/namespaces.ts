// socket.io namespaces for volunteers' phones and displays. Each connection is authenticated by
// its token and joined to its board's room; #4 and #5 add the projections and commands.
import type { Namespace, Server } from 'socket.io';
import type { Principal, Tokens } from '../auth.js';
import type { Role } from '../store/store.js';

export interface LiveData {
  principal: Principal;
}

function authError(code: 'unauthorized' | 'forbidden'): Error & { data: { code: string } } {
  return Object.assign(new Error(code), { data: { code } });
}

function guard(namespace: Namespace, tokens: Tokens, role: Role): void {
  namespace.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    tokens.resolve(typeof token === 'string' ? token : null).then((principal) => {
      if (!principal) return next(authError('unauthorized'));
      if (principal.role !== role) return next(authError('forbidden'));
      (socket.data as LiveData).principal = principal;
      void socket.join(`board:${principal.boardId}`);
      next();
    }, () => next(authError('unauthorized')));
  });
}

export function setupLive(io: Server, tokens: Tokens): { volunteer: Namespace; display: Namespace } {
  io.of('/').use((_socket, next) => next(authError('forbidden')));
  const volunteer = io.of('/volunteer');
  const display = io.of('/display');
  guard(volunteer, tokens, 'volunteer');
  guard(display, tokens, 'display');
  return { volunteer, display };
}
