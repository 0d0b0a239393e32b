import { fail, notApplicable, pass, type Finding } from '../doctor-types.js';
import { datasetFacts, lakeSightings } from '../sightings.js';
import { identityLabel, type CheckContext } from './check-context.js';

/** 7. The same identity in another sandbox of the org (events sent to stage instead of production), for a credential that sees them. */
export async function otherSandboxes(c: CheckContext): Promise<Finding> {
  const all = (await c.deps.sandboxes.list(c.orgId)).filter((s) => s.state === 'active');
  const visible = c.deps.visibleSandboxes ? c.deps.visibleSandboxes(c.orgId, c.credentialId, all) : all;
  const others = visible.filter((s) => s.id !== c.sandbox.id);
  if (others.length === 0)
    return notApplicable(all.length > 1 ? 'The credential sees no other sandbox of the org.' : `The org has one sandbox ("${c.sandbox.name}").`, { sandboxes: all.length, visible: visible.length });
  const found = await Promise.all(
    others.map(async (s) => {
      const facts = await datasetFacts(c.deps, s.id);
      const lake = await lakeSightings(c.deps, s.id, c.sightings.needle, facts);
      const failed = await c.deps.failed.containing(s.id, c.sightings.needle, 1);
      return {
        sandbox: s.name,
        type: s.type,
        records: lake.reduce((n, l) => n + l.count, 0),
        lastReceivedAt: lake.reduce<number | null>((m, l) => (l.lastIngestedAt !== null && (m === null || l.lastIngestedAt > m) ? l.lastIngestedAt : m), null),
        datasets: lake.map((l) => ({ datasetId: l.datasetId, dataset: facts.get(l.datasetId)?.name ?? l.datasetId, records: l.count })),
        failedRecords: failed.length > 0,
      };
    }),
  );
  const here = c.sightings.lake.reduce((n, l) => n + l.count, 0) + c.sightings.pending.count;
  const elsewhere = found.filter((f) => f.records > 0 || f.failedRecords);
  const evidence = { sandbox: c.sandbox.name, recordsHere: here, otherSandboxes: found };
  if (elsewhere.length > 0 && here === 0)
    return fail(`Records naming ${identityLabel(c)} are in ${elsewhere.map((f) => `sandbox "${f.sandbox}" (${f.records} records)`).join(', ')}, none in "${c.sandbox.name}": the source sends to another sandbox.`, evidence, [
      `Point the source at sandbox "${c.sandbox.name}": its x-sandbox-name header, the datastream's or inlet's sandbox (Adobe Commerce: the environment Stage vs Production, bin/magento config:set adobe_io_events/integration/adobe_io_environment production), or look the person up in ${elsewhere.map((f) => `"${f.sandbox}"`).join(', ')}.`,
    ]);
  if (elsewhere.length > 0) return pass(`Also in ${elsewhere.map((f) => `"${f.sandbox}"`).join(', ')}, as well as here.`, evidence);
  return pass(`Not in the org's other sandboxes (${others.map((s) => `"${s.name}"`).join(', ')}).`, evidence);
}
