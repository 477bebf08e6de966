import type { FastifyReply } from 'fastify';
import type { ErrorCode } from '../shared/errors.js';

/** The one error shape of the REST API: `{ error: { code, message } }`, never a stack. */
export function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.status(status).send({ error: { code, message } });
}
