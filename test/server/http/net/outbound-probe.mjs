// Loaded with `node --import` into a process under test: records every outbound connection or
// datagram the process (and its worker threads) attempts, to the file named by HEARTH_OUTBOUND_LOG.
import dgram from 'node:dgram';
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import { isMainThread } from 'node:worker_threads';

const file = process.env.HEARTH_OUTBOUND_LOG;
const record = (kind, target) => {
  if (file) appendFileSync(file, `${JSON.stringify({ kind, target, pid: process.pid, mainThread: isMainThread })}\n`);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function probedConnect(...args) {
  // net.connect() passes its normalized [options, callback] array; socket.connect() callers pass options or (port, host).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const opts = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  record('tcp', opts.path ?? `${opts.host ?? 'localhost'}:${opts.port}`);
  return connect.apply(this, args);
};

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function probedSend(...args) {
  const port = args.find((a, i) => i > 0 && typeof a === 'number' && a > 0 && a < 65536);
  const host = args.find((a, i) => i > 0 && typeof a === 'string');
  record('udp', `${host ?? '(connected)'}:${port ?? ''}`);
  return send.apply(this, args);
};

const udpConnect = dgram.Socket.prototype.connect;
dgram.Socket.prototype.connect = function probedUdpConnect(port, host, ...rest) {
  record('udp', `${host ?? 'localhost'}:${port}`);
  return udpConnect.call(this, port, host, ...rest);
};
