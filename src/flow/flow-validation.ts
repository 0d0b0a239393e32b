import type { ResourceStore } from '../store/resource-store.js';
import type { SandboxContext } from '../http/request-context.js';
import { inletId as newInletId } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, type Problem } from '../shared/problem.js';
import { DATA_LAKE_TARGET_SPEC, FLOW_SPEC_MAPPING, FLOW_SPEC_PLAIN, STREAMING_SPEC, isObj, paramsOf, type FlowEntity, type FlowKind } from './flow-types.js';
import { validateParams, type ConnectionSpecDef } from './connection-specs.js';
import { flowReferences, type ReferenceLookups } from './flow-references.js';
import { checkReferences } from '../shared/check-references.js';

export interface ValidationDeps {
  store: ResourceStore;
  /** Connection specs with their declared params (the streaming spec, and those src/sources registers). */
  specs: ReadonlyMap<string, ConnectionSpecDef>;
  lookups: ReferenceLookups;
  inletUrl(inletId: string): string;
}

/** Checks every id the entity names against the caller's sandbox (400 naming the field and the id). */
export async function checkEntityReferences(deps: ValidationDeps, ctx: SandboxContext, kind: FlowKind | 'mappingSets', body: Record<string, unknown>): Promise<Result<void, Problem>> {
  return checkReferences(flowReferences({ store: deps.store, lookups: deps.lookups, specs: deps.specs, sandboxId: ctx.sandbox.id }, kind, body));
}

/**
 * Validates a Flow Service entity (on create, and again after a PATCH with `existing` set) and returns the
 * fields the service fills in. A streaming connection gets a fresh inlet on create (a client-supplied
 * `auth.params.inletId` is ignored: inlet ids are global and must not be claimable); on PATCH it keeps its own.
 */
export async function validateEntity(
  deps: ValidationDeps,
  ctx: SandboxContext,
  kind: FlowKind,
  body: Record<string, unknown>,
  existing?: FlowEntity,
): Promise<Result<Record<string, unknown>, Problem>> {
  if (typeof body.name !== 'string' || body.name.trim() === '') return err(badRequest('name is required'));
  if (body.description !== undefined && typeof body.description !== 'string') return err(badRequest('description must be a string'));
  const spec = isObj(body.connectionSpec) ? body.connectionSpec : undefined;
  if (body.connectionSpec !== undefined && (!spec || typeof spec.id !== 'string')) return err(badRequest('connectionSpec.id must be a string'));
  const shape = await validateShape(deps, kind, body, spec, existing);
  if (!shape.ok) return shape;
  const refs = await checkEntityReferences(deps, ctx, kind, { ...body, ...shape.value });
  return refs.ok ? shape : refs;
}

async function validateShape(
  deps: ValidationDeps,
  kind: FlowKind,
  body: Record<string, unknown>,
  spec: Record<string, unknown> | undefined,
  existing: FlowEntity | undefined,
): Promise<Result<Record<string, unknown>, Problem>> {
  if (kind === 'connections') return validateConnection(deps, body, spec, existing);
  if (kind === 'sourceConnections') {
    if (body.baseConnectionId !== undefined && typeof body.baseConnectionId !== 'string') return err(badRequest('baseConnectionId must be a string'));
    if (spec?.id === STREAMING_SPEC && body.baseConnectionId === undefined) return err(badRequest('baseConnectionId is required for a streaming source connection'));
    const def = deps.specs.get(typeof spec?.id === 'string' ? spec.id : '');
    if (def) {
      const p = validateParams('params', def.name, body.params, def.sourceParams);
      if (!p.ok) return p;
    }
    return ok({});
  }
  if (kind === 'targetConnections') {
    if (spec?.id === DATA_LAKE_TARGET_SPEC) {
      const params = isObj(body.params) ? body.params : {};
      if (typeof params.dataSetId !== 'string' || params.dataSetId === '') return err(badRequest('params.dataSetId is required for a data lake target connection'));
      const data = body.data;
      if (data !== undefined && !(isObj(data) && (data.schema === undefined || (isObj(data.schema) && typeof data.schema.id === 'string'))))
        return err(badRequest('data.schema.id must be a string'));
    }
    return ok({});
  }
  return validateFlow(body);
}

function validateConnection(
  deps: ValidationDeps,
  body: Record<string, unknown>,
  spec: Record<string, unknown> | undefined,
  existing: FlowEntity | undefined,
): Result<Record<string, unknown>, Problem> {
  if (!spec || typeof spec.id !== 'string') return err(badRequest('connectionSpec.id is required'));
  if (body.auth !== undefined && !isObj(body.auth)) return err(badRequest('auth must be an object'));
  const auth = isObj(body.auth) ? body.auth : {};
  if (auth.params !== undefined && !isObj(auth.params)) return err(badRequest('auth.params must be an object'));
  const def = deps.specs.get(spec.id);
  if (!def) return ok({});
  const given = validateParams('auth.params', def.name, auth.params, def.authParams);
  if (!given.ok) return given;
  if (def.fill) return ok({ auth: { ...auth, params: def.fill(given.value) } });
  if (spec.id !== STREAMING_SPEC) return ok({});
  const params = { ...given.value };
  const dataType = params.dataType ?? 'xdm';
  const previous = paramsOf(existing)?.inletId;
  const id = typeof previous === 'string' ? previous : newInletId();
  return ok({
    auth: {
      ...auth,
      specName: auth.specName ?? 'Streaming Connection',
      params: {
        ...params,
        sourceId: params.sourceId ?? body.name,
        name: params.name ?? body.name,
        dataType,
        authenticationRequired: params.authenticationRequired ?? false,
        inletId: id,
        inletUrl: deps.inletUrl(id),
      },
    },
  });
}

function validateFlow(body: Record<string, unknown>): Result<Record<string, unknown>, Problem> {
  const fs = isObj(body.flowSpec) ? body.flowSpec : undefined;
  if (!fs || typeof fs.id !== 'string') return err(badRequest('flowSpec.id is required'));
  for (const field of ['sourceConnectionIds', 'targetConnectionIds'] as const) {
    const ids = body[field];
    if (!Array.isArray(ids) || ids.length === 0) return err(badRequest(`${field} must be a non-empty array`));
  }
  const tr = body.transformations;
  if (tr !== undefined) {
    if (!Array.isArray(tr)) return err(badRequest('transformations must be an array'));
    for (const t of tr) {
      if (!isObj(t) || t.name !== 'Mapping') return err(badRequest(`The transformation name must be exactly "Mapping", got ${JSON.stringify(isObj(t) ? t.name : t)}`));
      const p = isObj(t.params) ? t.params : {};
      if (p.mappingVersion !== undefined && !(Number.isInteger(p.mappingVersion) || (typeof p.mappingVersion === 'string' && /^\d+$/.test(p.mappingVersion))))
        return err(badRequest('transformations[].params.mappingVersion must be an integer'));
    }
    if (tr.length > 0 && fs.id === FLOW_SPEC_PLAIN) return err(badRequest(`flowSpec ${FLOW_SPEC_PLAIN} has no transformations; use ${FLOW_SPEC_MAPPING} for a Mapping`));
  }
  if (fs.id === FLOW_SPEC_MAPPING && (!Array.isArray(tr) || tr.length === 0)) return err(badRequest(`flowSpec ${FLOW_SPEC_MAPPING} needs a Mapping transformation`));
  return ok({});
}
