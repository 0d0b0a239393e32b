import type { SchemaLookup } from '../../../schema/schema-lookup.js';
import type { DatasetDirectory, DatasetInfo, FlowDirectory } from '../../ports.js';
import { describeProblem, recordRejections } from '../../validation/identity-values.js';
import { MAX_EVENT_BYTES, MAX_RECORD_BYTES } from '../../collection/collection-service.js';
import type { DecodedEntry } from './decode-entry.js';
import { deadLetter as dead, ok as okStep, type StepResult } from '../../pipeline/step.js';

/** deadLetter with the failure code first (reads better in the checks below). */
const deadLetter = (code: string, reason: string, violations?: unknown) => dead(reason, code, violations);

export interface ValidatedRecord {
  entry: DecodedEntry;
  dataset: DatasetInfo;
  isEvent: boolean;
  entity: Record<string, unknown>;
  /** JSON text of the entity (reused for the lake row). */
  json: string;
}

export interface ValidateDeps {
  datasets: DatasetDirectory;
  schemas: SchemaLookup;
  flows: FlowDirectory;
}

/**
 * Steps 2–5 for one entry, each a single check returning data: resolve the dataset, map raw JSON through the
 * flow's Data Prep mapping, validate against the dataset's schema, check identity values and size guardrails.
 */
export async function validateRecord(e: DecodedEntry, deps: ValidateDeps): Promise<StepResult<ValidatedRecord>> {
  if (e.parseError !== undefined) return deadLetter('PARSE_ERROR', e.parseError);
  const dataset = await deps.datasets.getDataset(e.sandboxId, e.datasetId);
  if (!dataset) return deadLetter('DATASET_NOT_FOUND', `Dataset ${e.datasetId} does not exist (deleted after the message was accepted?)`);
  let entity = e.entity;
  if (e.kind === 'raw') {
    const flow = e.flowId ? await deps.flows.resolveFlow(e.sandboxId, e.flowId) : undefined;
    if (!flow) return deadLetter('FLOW_NOT_FOUND', `Flow ${e.flowId ?? '(none)'} does not exist`);
    if (!flow.map) {
      if (typeof e.raw !== 'object' || e.raw === null) return deadLetter('MAPPING_ERROR', 'raw message is not an object and the flow has no mapping');
      entity = e.raw as Record<string, unknown>;
    } else {
      const mapped = flow.map(e.raw);
      if (!mapped.ok) return deadLetter('MAPPING_ERROR', mapped.error);
      entity = mapped.value;
    }
  }
  if (!entity || typeof entity !== 'object') return deadLetter('PARSE_ERROR', 'message has no XDM entity');
  const schema = await deps.schemas.getSchema(e.sandboxId, dataset.schemaId);
  if (!schema) return deadLetter('SCHEMA_NOT_FOUND', `Schema ${dataset.schemaId} of dataset ${dataset.id} does not exist`);
  const isEvent = schema.behavior === 'time-series';
  const json = JSON.stringify(entity);
  const max = isEvent ? MAX_EVENT_BYTES : MAX_RECORD_BYTES;
  const size = Buffer.byteLength(json);
  if (size > max) return deadLetter('TOO_LARGE', `${isEvent ? 'ExperienceEvent' : 'Record'} of ${size} bytes exceeds the ${max}-byte limit`);
  const validator = await deps.schemas.validator(e.sandboxId, dataset.schemaId);
  if (!validator) return deadLetter('SCHEMA_NOT_FOUND', `Schema ${dataset.schemaId} cannot be compiled`);
  const v = validator.validate(entity);
  if (!v.valid) {
    const first = v.violations[0];
    return deadLetter('SCHEMA_VALIDATION', `${v.violations.length} schema violation(s): ${first?.pointerToViolation ?? '#'} ${first?.message ?? ''}`.trim(), v.violations.slice(0, 20));
  }
  const idProblems = recordRejections(entity, await deps.schemas.identityDescriptors(e.sandboxId, dataset.schemaId));
  if (idProblems.length > 0) return deadLetter(idProblems[0]!.code, idProblems.map(describeProblem).join('; '));
  return okStep({ entry: e, dataset, isEvent, entity, json });
}
