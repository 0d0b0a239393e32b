import type { Sandbox } from '../../sandbox/sandbox-service.js';
import type { SandboxRef } from '../../profile/merge-policy-service.js';
import type { Namespace } from '../../identity/namespaces.js';
import type { ProfileEntity } from '../../profile/profile-service.js';
import type { DoctorDeps } from '../doctor-ports.js';
import type { DatasetFacts, Sightings } from '../sightings.js';

/** What every check reads: the question, where it is asked, and what was gathered once for all checks. */
export interface CheckContext {
  deps: DoctorDeps;
  orgId: string;
  credentialId: string | undefined;
  sandbox: Sandbox;
  sbRef: SandboxRef;
  /** The namespace as asked (code), and the namespace it resolves to in the sandbox. */
  namespace: string;
  ns: Namespace | undefined;
  id: string;
  xid: string | undefined;
  sightings: Sightings;
  profile: ProfileEntity | undefined;
  now: number;
}

export const iso = (t: number | null | undefined): string | null => (t === null || t === undefined ? null : new Date(t).toISOString());

export const datasetName = (c: CheckContext, id: string): string => c.sightings.datasets.get(id)?.name ?? id;

/** `"Name" (id)` of a dataset, for sentences. */
export const dsLabel = (c: CheckContext, id: string): string => {
  const d = c.sightings.datasets.get(id);
  return d ? `"${d.name}" (${id})` : id;
};

/** The datasets involved: those holding, awaiting or refusing records that name the identity. */
export function involvedDatasets(c: CheckContext): DatasetFacts[] {
  const s = c.sightings;
  const ids = new Set<string>([
    ...s.lake.map((l) => l.datasetId),
    ...s.pending.byDataset.map((p) => p.datasetId),
    ...s.failed.map((f) => f.datasetId),
    ...s.notIngested.map((n) => n.datasetId),
  ]);
  return [...ids].flatMap((id) => {
    const d = s.datasets.get(id);
    return d ? [d] : [];
  });
}

/** The sandbox's datasets of one kind enabled for Profile (where records of that kind belong). */
export const profileDatasetsOfKind = (c: CheckContext, kind: DatasetFacts['kind']): DatasetFacts[] => [...c.sightings.datasets.values()].filter((d) => d.kind === kind && d.profileEnabled);

export const identityLabel = (c: CheckContext): string => `${c.ns?.code ?? c.namespace}:${c.id}`;
