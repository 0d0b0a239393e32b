import { PROCESSOR_CONSUMERS } from '../../ingest/processor/lake-processor.js';
import { storedCollect } from '../../sources/edge/consent-decision.js';
import type { RejectionReason } from '../../auth/rejections/rejection-store.js';
import { fail, notApplicable, pass, type Finding } from '../doctor-types.js';
import { identityLabel, iso, type CheckContext } from './check-context.js';

/** Rejections younger than this make check 8 fail. */
export const REJECTION_WINDOW_MS = 24 * 60 * 60 * 1000;
/** The processor is behind when the oldest entry it has not finished is older than this. */
export const LAG_THRESHOLD_MS = 60_000;

const REJECTION_FIX: Record<RejectionReason, string> = {
  missingToken: 'Send an access token: Authorization: Bearer <token> (POST /ims/token/v3 with the client id and secret).',
  invalidToken: 'The access token is unknown: get a new one (POST /ims/token/v3) with the credential the source is configured with.',
  expiredToken: 'The access token expired: let the client fetch a new one (POST /ims/token/v3) before each expiry.',
  revokedToken: "The access token, or the credential that issued it, was revoked: configure the source with a live credential's client id and secret.",
  missingApiKey: 'Send the client id as the x-api-key header.',
  invalidApiKey: 'The x-api-key (client id) is unknown: AEP answers 403003. Configure the source with the client id of a credential of this org (GET /data/foundation/kith/credentials); Adobe Commerce: check the sandbox and production keys on the Commerce Services Connector page.',
  revokedApiKey: 'The x-api-key belongs to a revoked credential (AEP 403003 "Client ID is invalid"): create a credential (POST /data/foundation/kith/credentials) and configure the source with its client id and secret.',
  missingOrg: 'Send the org id as the x-gw-ims-org-id header.',
  wrongOrg: 'The x-gw-ims-org-id names another org than the credential\'s: configure the source with the org id of its credential (and a credential of the org the data belongs to).',
  missingSandbox: 'Send the sandbox name as the x-sandbox-name header.',
  unknownSandbox: 'The x-sandbox-name names no sandbox of the org: fix the name (GET /data/foundation/sandbox-management/sandboxes), e.g. a Stage/Production mix-up.',
};

/** 8. Recent gateway rejections for the org: invalid or revoked keys and tokens, wrong org or sandbox headers. */
export async function gatewayRejections(c: CheckContext): Promise<Finding> {
  const since = c.now - REJECTION_WINDOW_MS;
  const rows = await c.deps.rejections.list({ orgId: c.orgId, since, limit: 100 });
  const evidence = {
    since,
    rejections: rows.map((r) => ({ clientId: r.clientId, reason: r.reason, errorCode: r.errorCode, sandboxName: r.sandboxName, detail: r.detail, count: r.count, firstAt: r.firstAt, lastAt: r.lastAt })),
  };
  if (rows.length === 0) return pass('The gateway refused no request of this org in the last 24 hours.', evidence);
  const total = rows.reduce((n, r) => n + r.count, 0);
  const parts = rows.slice(0, 5).map((r) => `${r.errorCode} ${r.reason} ×${r.count}${r.clientId ? ` (client id ${r.clientId}…)` : ''}, last ${iso(r.lastAt)}`);
  return fail(`The gateway refused ${total} requests of this org in the last 24 hours: ${parts.join('; ')}. A source whose requests are refused sends nothing.`, evidence, [...new Set(rows.map((r) => REJECTION_FIX[r.reason]))]);
}

/** 9. Processing lag: is the processor behind, and by how much. */
export async function processingLag(c: CheckContext): Promise<Finding> {
  const log = c.deps.log;
  const [head, ...marks] = await Promise.all([log.head(), ...PROCESSOR_CONSUMERS.map((m) => log.committed(m))]);
  const markers = Object.fromEntries(PROCESSOR_CONSUMERS.map((m, i) => [m, marks[i]!]));
  const low = Math.min(...marks);
  const oldest = head > low ? (await log.read(low, 1))[0] : undefined;
  const lagMs = oldest ? Math.max(0, c.now - oldest.receivedAt) : 0;
  const running = c.deps.processorRunning();
  const evidence = { running, logHead: head, markers, backlog: head - low, oldestWaitingReceivedAt: oldest?.receivedAt ?? null, lagMs, thresholdMs: LAG_THRESHOLD_MS, waitingForThisIdentity: c.sightings.pending.count };
  if (!running)
    return fail(`The processor is not running (being restarted after a crash): ${head - low} log entries wait, ${c.sightings.pending.count} of them name ${identityLabel(c)}.`, evidence, [
      'It restarts by itself within seconds to half a minute; look at the server log for its error (lake processor error) and at /ready.',
    ]);
  if (lagMs > LAG_THRESHOLD_MS)
    return fail(`The processor is behind: ${head - low} entries wait, the oldest received ${Math.round(lagMs / 1000)} s ago (${c.sightings.pending.count} name ${identityLabel(c)}).`, evidence, [
      'Records show up once processed. Lower the ingest rate or give the server more CPU; GET /data/foundation/kith/ingest/status shows the backlog and the markers.',
    ]);
  return pass(head > low ? `The processor is keeping up: ${head - low} entries in flight, the oldest ${Math.round(lagMs / 1000)} s old.` : 'The processor has finished every log entry.', evidence);
}

/** 10. Consent refusals on collection for its identities. */
export async function consent(c: CheckContext): Promise<Finding> {
  if (!c.ns) return notApplicable('The namespace is unknown (check 4).');
  const refusals = await c.deps.consent.refusals(c.sandbox.id);
  const collect = c.profile ? storedCollect(c.profile.entity.consents) : undefined;
  const consents = c.profile?.entity.consents ?? null;
  const evidence = { storedCollect: collect ?? null, consents, datastreams: refusals };
  if (collect === 'out' || collect === 'pending') {
    const refusedByStored = refusals.reduce((n, r) => n + r.refusedBy.stored, 0);
    return fail(`The person's stored consent refuses collection (consents.collect.val: ${collect === 'out' ? 'n' : 'pending'}): the Edge Network drops the events of their devices${refusedByStored ? ` (${refusedByStored} requests refused on stored consent in this sandbox)` : ''}.`, evidence, [
      'Events are dropped by design while the person refuses collection. When they opt in, their device sends set-consent (POST /ee/v1/privacy/set-consent, collect "y") or the source ingests consents.collect.val "y".',
    ]);
  }
  return pass(collect === 'in' ? 'The person consents to collection.' : `No consent refusal is stored for ${identityLabel(c)}${c.profile ? '' : ' (no profile yet)'}.`, evidence);
}
