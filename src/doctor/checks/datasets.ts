import { fail, notApplicable, pass, type Finding } from '../doctor-types.js';
import { involvedDatasets, type CheckContext } from './check-context.js';
import { lacksPrimaryIdentity, unresolved } from './records.js';

/** 3. Each dataset involved: enabled for Profile? its schema union (Profile) enabled? a primary identity? */
export function datasets(c: CheckContext): Finding {
  const involved = involvedDatasets(c);
  if (involved.length === 0) return notApplicable('No dataset holds, awaits or refused a record naming this identity (see check 1).');
  const fixes: string[] = [];
  const problems: string[] = [];
  const { liveNot, liveFailed } = unresolved(c);
  const rows = involved.map((d) => {
    const lake = c.sightings.lake.find((l) => l.datasetId === d.id);
    const primaryDescriptor = d.descriptors.find((x) => x.isPrimary);
    const records = lake?.count ?? 0;
    const withPrimary = lake?.withPrimary ?? 0;
    const mine: string[] = [];
    const label = `"${d.name}" (${d.id})`;
    if (!d.profileEnabled) {
      mine.push('not enabled for Profile');
      problems.push(`${label} is not enabled for Profile${records ? `: its ${records} records stay in the lake and never reach the profile` : ''}`);
      fixes.push(`Enable ${label} for Profile (and Identity): PATCH /data/foundation/catalog/dataSets/${d.id} with [{"op":"add","path":"/tags/unifiedProfile","value":["enabled:true"]},{"op":"add","path":"/tags/unifiedIdentity","value":["enabled:true"]}], then send the records again (records ingested before are not re-read).`);
    }
    if (!d.schemaUnion) {
      mine.push('schema not enabled for Profile (union)');
      problems.push(`the schema "${d.schemaTitle ?? d.schemaId}" of ${label} is not enabled for Profile`);
      fixes.push(`Enable the schema ${d.schemaId} for Profile: add the "union" tag to its meta:immutableTags (PATCH /data/foundation/schemaregistry/tenant/schemas/{id}).`);
    }
    const noPrimary = [
      ...liveNot.filter((n) => n.datasetId === d.id && (n.code === 'NO_PRIMARY_IDENTITY' || n.code === 'NO_IDENTITY')),
      ...liveFailed.filter((f) => f.datasetId === d.id && lacksPrimaryIdentity(c, f)),
    ];
    if (noPrimary.length > 0) {
      mine.push('records without a primary identity');
      const declared = primaryDescriptor ? `its schema's primary identity is /${primaryDescriptor.path.join('/')} (${primaryDescriptor.namespace}), which they do not carry` : 'they carry no identity';
      problems.push(`${noPrimary.length} records sent to ${label} have no primary identity (${declared}) and did not reach the profile`);
      fixes.push(
        primaryDescriptor
          ? `Send profile records of ${label} with /${primaryDescriptor.path.join('/')} filled, or mark their identityMap entry \`"primary": true\` (Adobe Commerce profile records: identityMap with CustomerId primary), then send them again or replay them (POST /data/foundation/kith/not-ingested-to-profile/replay {"reason":"NO_PRIMARY_IDENTITY"}).`
          : `Give profile records of ${label} an identity: an identityMap with one entry marked \`"primary": true\`, or a primary identity descriptor on the schema "${d.schemaTitle ?? d.schemaId}".`,
      );
    }
    return {
      datasetId: d.id,
      dataset: d.name,
      class: d.kind,
      profileEnabled: d.profileEnabled,
      identityEnabled: d.identityEnabled,
      schemaId: d.schemaId,
      schema: d.schemaTitle,
      schemaProfileEnabled: d.schemaUnion,
      primaryIdentity: primaryDescriptor ? { descriptor: `/${primaryDescriptor.path.join('/')}`, namespace: primaryDescriptor.namespace } : withPrimary > 0 ? { identityMap: withPrimary } : null,
      records,
      recordsWithPrimaryInIdentityMap: withPrimary,
      problems: mine,
    };
  });
  const evidence = { datasets: rows };
  if (problems.length === 0) return pass(`Every dataset involved (${involved.length}) and its schema are enabled for Profile, with a primary identity.`, evidence);
  return fail(`${problems.join('; ')}.`, evidence, [...new Set(fixes)]);
}
