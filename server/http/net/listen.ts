import type { FastifyInstance } from 'fastify';

/**
 * Starts listening as the network policy says. An exposure saved at run time that no longer fits
 * the machine (an interface unplugged, an address changed) falls back to loopback with a warning
 * rather than keeping the server down; an exposure given at start that cannot be bound stops it.
 * A port another program holds (EADDRINUSE) always stops it: clients that find something else on
 * the port must not be told Hearth is there.
 */
export async function listen(app: FastifyInstance, port: number, warn: (msg: string) => void = (m) => app.log.warn(m)): Promise<void> {
  const network = app.network;
  const start = async () => {
    const addresses = network.bindAddresses();
    if (!app.server.listening) await app.listen({ host: addresses[0], port });
    await network.attach(app.server);
  };
  try {
    await start();
  } catch (err) {
    if (!network.exposureSaved || network.settings.exposure === 'loopback') throw err;
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw err;
    warn(`Cannot serve on the saved exposure "${network.settings.exposure}" (${(err as Error).message}); serving on loopback only until it is changed.`);
    network.fallBackToLoopback();
    await start();
  }
}
