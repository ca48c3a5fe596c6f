// Baseline: the HTTP floor. A bare Fastify route that reads the same body (JSON parsed, anything
// else collected as bytes) and answers a constant, so no server doing real work on this machine
// can beat it.
// Usage: node dist/bench/servers/floor.js PORT
import Fastify from 'fastify';

const CONSTANT = { model_name: 'floor', outputs: [] };

const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
// Binary tensor bodies (application/octet-stream) are received whole, as a real server must.
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.get('/health', async () => ({ ok: true }));
app.post('/v2/models/:name/infer', async () => CONSTANT);
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
const stop = () => { app.close().then(() => process.exit(0), () => process.exit(1)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
