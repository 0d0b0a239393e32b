import type { FastifyInstance } from 'fastify';
import { sandboxCtxOf } from '../../http/request-context.js';
import { sendProblem } from '../../http/reply.js';
import { arrayOf, closedObj, desc, obj, optionalBody, responses, str, strEnum } from '../../http/schemas.js';
import type { CommerceSetup } from './commerce-setup.js';

export const COMMERCE_SETUP_PATH = '/data/foundation/kith/setup/commerce';

const item = (what: string, extra: Record<string, Record<string, unknown>> = {}) =>
  desc(obj({ status: strEnum(['created', 'found']), id: str, name: str, ...extra }, ['status', 'id', 'name']), what);

const reportSchema = obj(
  {
    namespace: item('The `CustomerId` identity namespace ("Commerce Customer ID", cross-device)', { code: str, idType: str }),
    eventSchema: item('The ExperienceEvent schema (storefront and back-office events), enabled for Profile'),
    profileSchema: item('The Individual Profile schema (customer profile records), enabled for Profile'),
    eventDataset: item('The events dataset, enabled for Profile and Identity'),
    profileDataset: item('The profile dataset (separate from the events dataset), enabled for Profile and Identity'),
    datastream: item('The datastream (Flow Service connection) routing events and profile records; `datastreamId` is the Edge `configId`', { datastreamId: str }),
    created: desc(arrayOf(str), 'What this call created'),
    found: desc(arrayOf(str), 'What was already there and is reused'),
  },
  ['namespace', 'eventSchema', 'profileSchema', 'eventDataset', 'profileDataset', 'datastream', 'created', 'found'],
);

/** `POST /data/foundation/kith/setup/commerce`: the one-call Adobe Commerce setup of the request's sandbox. */
export function registerCommerceSetupRoutes(app: FastifyInstance, setup: CommerceSetup): void {
  app.post(
    COMMERCE_SETUP_PATH,
    {
      schema: {
        tags: ['Sources'],
        summary: 'Set up the sandbox for Adobe Commerce (Data Connection): namespace, schemas, datasets and datastream',
        description:
          'Creates what is missing and reuses what is there (idempotent): the `CustomerId` namespace, an ExperienceEvent schema with the field groups the connector needs, an Individual Profile schema, an events dataset, a separate profile dataset, and a datastream routing events and profile records to them. 201 when something was created, 200 when everything was found.',
        body: optionalBody(closedObj({})),
        response: responses({ 200: reportSchema, 201: reportSchema }),
      },
    },
    async (req, reply) => {
      const r = await setup.run(sandboxCtxOf(req));
      if (!r.ok) return sendProblem(reply, r.error);
      return reply.code(r.value.created.length ? 201 : 200).send(r.value);
    },
  );
}
