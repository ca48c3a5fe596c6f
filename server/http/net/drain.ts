import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionDrain {
  /** Closes idle keep-alive connections now, and each busy one as soon as its last response is sent. */
  begin(): void;
}

/**
 * Tracks the requests open on each connection so that a drain can close keep-alive connections
 * as they go idle. Node's server.close() closes idle connections only once, when it starts, so a
 * connection whose response finishes later would hold the shutdown until the drain timeout; and
 * its closeIdleConnections() counts a response as done once end() is called, not once it is
 * flushed, so calling it again could cut a large response short. Here a connection is closed with
 * end(), after its response has finished, which lets buffered bytes go out first.
 */
export function trackConnections(server: Server): ConnectionDrain {
  const open = new Map<Socket, number>();
  const known = new Set<Socket>();
  let draining = false;

  // Keyed by req.socket (the TLS socket under HTTPS, where 'connection' would give the raw one).
  // Connections that never sent a request are closed by server.close() itself.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    if (!known.has(socket)) {
      known.add(socket);
      socket.once('close', () => { known.delete(socket); open.delete(socket); });
    }
    open.set(socket, (open.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = Math.max((open.get(socket) ?? 1) - 1, 0);
      // Kept at 0 until the connection closes, not deleted (see body-deadline.ts on Map churn); a
      // connection that closed first is not added back.
      if (known.has(socket)) open.set(socket, left);
      if (left === 0 && draining) socket.end();
    });
  });

  return {
    begin() {
      draining = true;
      for (const socket of known) if ((open.get(socket) ?? 0) === 0) socket.end();
    },
  };
}
