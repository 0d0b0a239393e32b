import { fail, notApplicable, pass, type Finding } from '../doctor-types.js';
import { dsLabel, type CheckContext } from './check-context.js';

/** 6. The merge policy in use includes the datasets that hold the identity's data. */
export async function mergePolicy(c: CheckContext): Promise<Finding> {
  const holding = c.sightings.lake.filter((l) => c.sightings.datasets.get(l.datasetId)?.profileEnabled);
  if (holding.length === 0) return notApplicable('No dataset enabled for Profile holds records of this identity (checks 1 and 3).');
  const p = await c.deps.mergePolicies.defaultPolicy(c.sbRef);
  const order = p.attributeMerge.type === 'dataSetPrecedence' ? p.attributeMerge.order : null;
  const left = order ? holding.filter((l) => !order.includes(l.datasetId)) : [];
  const evidence = {
    mergePolicy: { id: p.id, name: p.name, default: p.default, attributeMerge: p.attributeMerge, identityGraph: p.identityGraph.type },
    datasets: holding.map((l) => ({ datasetId: l.datasetId, records: l.count, included: !order || order.includes(l.datasetId) })),
  };
  const fixes: string[] = [];
  const problems: string[] = [];
  if (left.length) {
    problems.push(`the merge policy "${p.name}" (${p.id}) merges only the datasets it orders (dataSetPrecedence), and leaves out ${left.map((l) => dsLabel(c, l.datasetId)).join(', ')}`);
    fixes.push(`Add ${left.map((l) => l.datasetId).join(', ')} to attributeMerge.order of merge policy ${p.id} (PUT /data/core/ups/config/mergePolicies/${p.id}), or use timestampOrdered.`);
  }
  if (p.identityGraph.type === 'none' && !c.profile) {
    problems.push(`the merge policy "${p.name}" uses no identity graph: only fragments keyed by this very identity are merged, not those of its other identities`);
    fixes.push(`Use a merge policy with "identityGraph": {"type": "pdg"}, or look the person up by the identity their profile records are keyed by.`);
  }
  if (problems.length) return fail(`${problems.join('; ')}.`, evidence, fixes);
  return pass(`The merge policy "${p.name}" (${p.attributeMerge.type}, graph ${p.identityGraph.type}) includes every dataset that holds this identity's data (${holding.length}).`, evidence);
}
