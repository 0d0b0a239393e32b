import type { FastifyInstance } from 'fastify';
import { sandboxCtxOf } from '../http/request-context.js';
import type { ProfileDoctor } from './doctor-service.js';
import { doctorProfileSchema } from './route-schemas.js';

/** `GET /data/foundation/kith/doctor/profile?entityId=…&entityIdNS=…` (the four AEP headers; the sandbox is the one asked about). */
export function registerDoctorRoutes(app: FastifyInstance, doctor: Pick<ProfileDoctor, 'examine'>): void {
  app.get('/data/foundation/kith/doctor/profile', { schema: doctorProfileSchema }, async (req) => {
    const ctx = sandboxCtxOf(req);
    const q = req.query as { entityId: string; entityIdNS: string };
    return doctor.examine({ orgId: ctx.orgId, ...(ctx.credentialId !== undefined ? { credentialId: ctx.credentialId } : {}), sandbox: ctx.sandbox, namespace: q.entityIdNS, id: q.entityId });
  });
}
