import type { FlowInfo, InletInfo } from '../ingest/ports.js';
import { isObj } from '../shared/objects.js';
import type { ConnectionSpecDef } from './connection-specs.js';

export const STREAMING_SPEC = 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb';
export const DATA_LAKE_TARGET_SPEC = 'c604ff05-7f1a-43c0-8e18-33bf874cb11c';
export const FLOW_SPEC_PLAIN = 'd8a6f005-7eaf-4153-983e-e8574508b877';
export const FLOW_SPEC_MAPPING = 'c1a19761-d2c7-4702-b9fa-fe91f0613e81';

/** The HTTP API streaming connection's `auth.params` (AEP: dataType xdm|raw, optional sourceId, name, authenticationRequired). */
export const STREAMING_SPEC_DEF: ConnectionSpecDef = {
  name: 'Streaming Connection',
  authParams: {
    dataType: { type: 'string', enum: ['xdm', 'raw'] },
    authenticationRequired: { type: 'boolean' },
    sourceId: { type: 'string' },
    name: { type: 'string' },
  },
};

export type FlowKind = 'connections' | 'sourceConnections' | 'targetConnections' | 'flows';

/** A stored Flow Service entity in its AEP view (what GET returns inside `items[]`). */
export interface FlowEntity extends Record<string, unknown> {
  id: string;
  /** Quoted string, e.g. `"\"1a2b3c4d-0000-0200-0000-5e6f7a8b9c0d\""`; also in `version`. */
  etag: string;
}

/** The global `inlet` index row (scope `global`, id = inletId). */
export interface InletIndex extends InletInfo {
  /** Flow Service base connection id (absent for legacy `/data/core/edge/inlet` inlets). */
  connectionId?: string;
  name: string;
  /** The legacy inlet view, for legacy inlets. */
  legacy?: Record<string, unknown>;
}

/** A stored Data Prep mapping set (the §1.3 response plus the request body). */
export interface MappingSetDoc extends Record<string, unknown> {
  id: string;
  version: number;
  mappings: unknown[];
}

/**
 * What `FlowService.resolveFlow` returns: the `FlowInfo` the ingestion path uses (flowId, datasetId, schemaId,
 * map) plus the entities behind it.
 */
export interface ResolvedFlow extends FlowInfo {
  flow: FlowEntity;
  /** The flow's first source connection (undefined if it was deleted after the flow was created). */
  sourceConnection?: FlowEntity;
  /** The flow's first target connection: `params.dataSetId`, `data.schema.id`. */
  targetConnection: FlowEntity;
  /** Inlet of the source connection's base connection, when it is a streaming connection. */
  inletId?: string;
  /** The Mapping transformation's mapping set, when the flow has one (`map` is its compiled function). */
  mapping?: { id: string; version: number; mappingSet: MappingSetDoc };
}

export { isObj };

export const paramsOf = (e: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
  const auth = e?.auth;
  return isObj(auth) && isObj(auth.params) ? auth.params : undefined;
};
