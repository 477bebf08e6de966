// Every HTTP upgrade goes through here: /sync/* to the Yjs endpoint, /socket.io/* to engine.io,
// anything else is refused. (socket.io attached on its own would fight the Yjs endpoint over
// upgrades — ECOSYSTEM.md G2.)
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as Engine } from 'engine.io';
import type { YjsEndpoint } from './sync/yjs-endpoint.js';

export const SOCKET_IO_PATH = '/socket.io/';

/**
 * A browser always sends Origin on a websocket upgrade; a page on another site must not open a
 * socket with a link it lured out of a lead (websockets have no CORS). Allowed: the host the
 * request came to, and PUBLIC_URL's. No Origin at all is a script or a phone app, not a browser
 * page: it still needs a token.
 */
export function originAllowed(req: IncomingMessage, publicUrl: string | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  if (host === req.headers.host) return true;
  try {
    return publicUrl !== undefined && host === new URL(publicUrl).host;
  } catch {
    return false;
  }
}

export function routeUpgrades(server: HttpServer, yjs: YjsEndpoint, engine: Engine, publicUrl?: string): void {
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!originAllowed(req, publicUrl)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nforeign origin');
      return;
    }
    if (path.startsWith('/sync/')) return yjs.handleUpgrade(req, socket, head);
    if (path.startsWith(SOCKET_IO_PATH)) return engine.handleUpgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
}
