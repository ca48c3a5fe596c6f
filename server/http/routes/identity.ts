import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CHALLENGE_PATTERN, identityProof } from '../../auth/identity.js';
import { errors } from './schemas.js';

const IdentitySchema = Type.Object({
  server: Type.Literal('hearth'),
  nonce: Type.String({ description: 'Random per start of the server process; the desktop app checks it against what its own child reported.' }),
  proof: Type.String({ description: 'hex HMAC-SHA256 of "<challenge>\\n<nonce>" under HMAC-SHA256(admin token, "hearth identity v1")' }),
});

/**
 * GET /admin/v1/identity?challenge=X, without the admin token: the server proves it holds the
 * token before a client sends it (see server/auth/identity.ts).
 */
export async function identityRoutes(app: FastifyInstance, opts: { nonce: string }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/identity', {
    config: { access: 'public' },
    schema: {
      tags: ['admin'],
      summary: 'Prove this server holds the admin token, without the client sending it',
      security: [],
      querystring: Type.Object({ challenge: Type.String({ pattern: CHALLENGE_PATTERN }) }),
      response: { 200: IdentitySchema, ...errors(400) },
    },
  }, async (request) => ({
    server: 'hearth' as const,
    nonce: opts.nonce,
    proof: identityProof(app.hearth.adminToken, request.query.challenge, opts.nonce),
  }));
}
