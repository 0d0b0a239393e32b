import type { ResourceStore } from '../store/resource-store.js';
import type { SandboxContext } from '../http/request-context.js';
import { inletId as newInletId } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, type Problem } from '../shared/problem.js';
import { DATA_LAKE_TARGET_SPEC, FLOW_SPEC_MAPPING, FLOW_SPEC_PLAIN, STREAMING_SPEC, isObj, paramsOf, type FlowEntity, type FlowKind } from './flow-types.js';

export interface ValidationDeps {
  store: ResourceStore;
  /** Source specs that fill in connection params (registered by src/sources). */
  specParams: ReadonlyMap<string, (params: Record<string, unknown>) => Record<string, unknown>>;
  inletUrl(inletId: string): string;
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
  if (kind === 'connections') return validateConnection(deps, body, spec, existing);
  if (kind === 'sourceConnections') {
    if (body.baseConnectionId !== undefined && typeof body.baseConnectionId !== 'string') return err(badRequest('baseConnectionId must be a string'));
    if (spec?.id === STREAMING_SPEC && body.baseConnectionId === undefined) return err(badRequest('baseConnectionId is required for a streaming source connection'));
    if (typeof body.baseConnectionId === 'string' && !(await deps.store.get('connections', ctx.sandbox.id, body.baseConnectionId)))
      return err(badRequest(`Base connection ${body.baseConnectionId} does not exist`));
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
  return validateFlow(deps, ctx, body);
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
  const fill = deps.specParams.get(spec.id);
  if (fill) return ok({ auth: { ...auth, params: fill(isObj(auth.params) ? auth.params : {}) } });
  if (spec.id !== STREAMING_SPEC) return ok({});
  const params = isObj(auth.params) ? { ...auth.params } : {};
  const dataType = params.dataType ?? 'xdm';
  if (dataType !== 'xdm' && dataType !== 'raw') return err(badRequest(`auth.params.dataType must be "xdm" or "raw", got ${JSON.stringify(dataType)}`));
  if (params.authenticationRequired !== undefined && typeof params.authenticationRequired !== 'boolean')
    return err(badRequest('auth.params.authenticationRequired must be a boolean'));
  for (const k of ['sourceId', 'name'] as const)
    if (params[k] !== undefined && (typeof params[k] !== 'string' || params[k] === '')) return err(badRequest(`auth.params.${k} must be a non-empty string`));
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

async function validateFlow(deps: ValidationDeps, ctx: SandboxContext, body: Record<string, unknown>): Promise<Result<Record<string, unknown>, Problem>> {
  const fs = isObj(body.flowSpec) ? body.flowSpec : undefined;
  if (!fs || typeof fs.id !== 'string') return err(badRequest('flowSpec.id is required'));
  for (const [field, k] of [
    ['sourceConnectionIds', 'sourceConnections'],
    ['targetConnectionIds', 'targetConnections'],
  ] as const) {
    const ids = body[field];
    if (!Array.isArray(ids) || ids.length === 0) return err(badRequest(`${field} must be a non-empty array`));
    for (const id of ids)
      if (typeof id !== 'string' || !(await deps.store.get(k, ctx.sandbox.id, id))) return err(badRequest(`${field}: ${String(id)} does not exist`));
  }
  const tr = body.transformations;
  if (tr !== undefined) {
    if (!Array.isArray(tr)) return err(badRequest('transformations must be an array'));
    for (const t of tr) {
      if (!isObj(t) || t.name !== 'Mapping') return err(badRequest(`The transformation name must be exactly "Mapping", got ${JSON.stringify(isObj(t) ? t.name : t)}`));
      const p = isObj(t.params) ? t.params : {};
      if (typeof p.mappingId !== 'string' || !(await deps.store.get('mappingSets', ctx.sandbox.id, p.mappingId)))
        return err(badRequest(`Mapping set ${String(p.mappingId)} does not exist`));
      if (p.mappingVersion !== undefined && !(Number.isInteger(p.mappingVersion) || (typeof p.mappingVersion === 'string' && /^\d+$/.test(p.mappingVersion))))
        return err(badRequest('transformations[].params.mappingVersion must be an integer'));
    }
    if (tr.length > 0 && fs.id === FLOW_SPEC_PLAIN) return err(badRequest(`flowSpec ${FLOW_SPEC_PLAIN} has no transformations; use ${FLOW_SPEC_MAPPING} for a Mapping`));
  }
  if (fs.id === FLOW_SPEC_MAPPING && (!Array.isArray(tr) || tr.length === 0)) return err(badRequest(`flowSpec ${FLOW_SPEC_MAPPING} needs a Mapping transformation`));
  return ok({});
}
