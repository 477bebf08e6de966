// Every HTTP upgrade goes through here: /sync/* to the Yjs endpoint, /socket.io/* to engine.io,
// anything else is refused. (socket.io attached on its own would fight the Yjs endpoint over
// upgrades — ECOSYSTEM.md G2.)
import type { Server as HttpServer } from 'node:http';
import type { Server as Engine } from 'engine.io';
import type { YjsEndpoint } from './sync/yjs-endpoint.js';

export const SOCKET_IO_PATH = '/socket.io/';

export function routeUpgrades(server: HttpServer, yjs: YjsEndpoint, engine: Engine): void {
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/sync/')) return yjs.handleUpgrade(req, socket, head);
    if (path.startsWith(SOCKET_IO_PATH)) return engine.handleUpgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
}
