import { anyObject, arrayOf, desc, int, nullable, obj, query, responses, str, strEnum, type JsonSchema } from '../http/schemas.js';
import { CHECK_IDS } from './doctor-types.js';

const check: JsonSchema = obj(
  {
    id: desc(strEnum(CHECK_IDS), 'The check'),
    number: desc(int, '1-10'),
    title: str,
    status: desc(strEnum(['pass', 'fail', 'notApplicable']), 'The answer'),
    summary: desc(str, 'What was found, in one sentence'),
    evidence: desc(anyObject, 'What the answer rests on: counts, ids, times (epoch ms)'),
    fix: desc(arrayOf(str), 'What to do (empty on a pass)'),
  },
  ['id', 'number', 'title', 'status', 'summary', 'evidence', 'fix'],
);

export const doctorReportSchema: JsonSchema = obj(
  {
    identity: obj({ namespace: str, id: str, xid: nullable(str) }, ['namespace', 'id', 'xid']),
    sandbox: obj({ id: str, name: str }, ['id', 'name']),
    checkedAt: desc(int, 'Epoch milliseconds'),
    profile: obj({ found: { type: 'boolean' }, lastModifiedAt: nullable(str), datasets: arrayOf(str) }, ['found', 'lastModifiedAt', 'datasets']),
    summary: obj({ pass: int, fail: int, notApplicable: int }, ['pass', 'fail', 'notApplicable']),
    verdict: desc(str, 'The failed checks in one paragraph: why this person does not show up'),
    checks: arrayOf(check),
  },
  ['identity', 'sandbox', 'checkedAt', 'profile', 'summary', 'verdict', 'checks'],
);

export const doctorProfileSchema: JsonSchema = {
  tags: ['Profile doctor'],
  summary: 'Why doesn\'t this person show up? Walks every reason (records received, failures, datasets, namespace, graph, merge policy, other sandboxes, gateway rejections, lag, consent)',
  description:
    'Each of the ten checks answers pass, fail or notApplicable, with its evidence (counts, ids, times) and the fix. Looks in the lake, the ingest log, failed and not-ingested records, the Catalog and Schema Registry, the identity graph and its history, merge policies, the org\'s other sandboxes, the gateway rejections and the consent counters.',
  querystring: query(
    {
      entityId: desc({ type: 'string', minLength: 1, maxLength: 1024 }, 'The identity value (e.g. an email address)'),
      entityIdNS: desc({ type: 'string', minLength: 1, maxLength: 256 }, 'Its namespace code (Email, ECID, CRMID, …)'),
    },
    ['entityId', 'entityIdNS'],
  ),
  response: responses({ 200: doctorReportSchema }),
};
