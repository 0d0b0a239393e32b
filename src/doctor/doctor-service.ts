import type { Sandbox } from '../sandbox/sandbox-service.js';
import type { SandboxRef } from '../profile/merge-policy-service.js';
import type { ProfileEntity } from '../profile/profile-service.js';
import { CHECK_IDS, CHECK_TITLES, type CheckId, type CheckResult, type DoctorReport, type Finding } from './doctor-types.js';
import type { DoctorDeps } from './doctor-ports.js';
import { gatherSightings } from './sightings.js';
import type { CheckContext } from './checks/check-context.js';
import { failedRecords, recordsReceived } from './checks/records.js';
import { datasets } from './checks/datasets.js';
import { identityGraph, namespace } from './checks/identity.js';
import { mergePolicy } from './checks/merge-policy.js';
import { otherSandboxes } from './checks/other-sandboxes.js';
import { consent, gatewayRejections, processingLag } from './checks/operations.js';

const CHECKS: Record<CheckId, (c: CheckContext) => Finding | Promise<Finding>> = {
  recordsReceived,
  failedRecords,
  datasets,
  namespace,
  identityGraph,
  mergePolicy,
  otherSandboxes,
  gatewayRejections,
  processingLag,
  consent,
};

export interface DoctorQuestion {
  orgId: string;
  credentialId?: string;
  sandbox: Sandbox;
  /** Namespace code (or numeric id) and value, as the entities API takes them. */
  namespace: string;
  id: string;
}

/**
 * The profile doctor: answers "why doesn't this person show up?" by walking every reason, each a check with a
 * pass / fail / not applicable answer, its evidence and the fix. What the checks share (where the value was seen:
 * lake, ingest log, failed and not-ingested records) is gathered once; the checks then run concurrently.
 */
export class ProfileDoctor {
  constructor(private readonly deps: DoctorDeps) {}

  async examine(q: DoctorQuestion): Promise<DoctorReport> {
    const d = this.deps;
    const sb = q.sandbox;
    const sbRef: SandboxRef = { orgId: q.orgId, sandbox: { id: sb.id, name: sb.name, type: sb.type, isDefault: sb.isDefault } };
    const now = d.clock.now();
    const ns = await d.namespaces.resolve(sb.id, q.namespace);
    const [xid, sightings, profile] = await Promise.all([
      ns ? d.identity.xid(sb.id, ns.code, q.id) : Promise.resolve(undefined),
      gatherSightings(d, sb.id, q.id),
      ns ? this.profileOf(sbRef, ns.code, q.id) : Promise.resolve(undefined),
    ]);
    const c: CheckContext = { deps: d, orgId: q.orgId, credentialId: q.credentialId, sandbox: sb, sbRef, namespace: q.namespace, ns, id: q.id, xid, sightings, profile, now };
    const checks: CheckResult[] = await Promise.all(
      CHECK_IDS.map(async (id, i) => ({ id, number: i + 1, title: CHECK_TITLES[id], ...(await CHECKS[id](c)) })),
    );
    const count = (s: string) => checks.filter((x) => x.status === s).length;
    const failed = checks.filter((x) => x.status === 'fail');
    return {
      identity: { namespace: ns?.code ?? q.namespace, id: q.id, xid: xid ?? null },
      sandbox: { id: sb.id, name: sb.name },
      checkedAt: now,
      profile: { found: profile !== undefined, lastModifiedAt: profile?.lastModifiedAt ?? null, datasets: profile?.sources ?? [] },
      summary: { pass: count('pass'), fail: count('fail'), notApplicable: count('notApplicable') },
      verdict: failed.length === 0 ? (profile ? 'The profile shows up: every check passes.' : 'Every check passes, yet no profile answers: send a record naming this identity.') : failed.map((x) => `${x.number}. ${x.summary}`).join(' '),
      checks,
    };
  }

  private async profileOf(sbRef: SandboxRef, namespace: string, id: string): Promise<ProfileEntity | undefined> {
    const r = await this.deps.profiles.getProfile(sbRef, { namespace, id }, {});
    return r.ok ? r.value : undefined;
  }
}
