import type { ProfileChange } from '../../profile/profile-service.js';
import type { GraphMember, IdentityGraphView, IdentityRef } from '../../profile/identity-resolver.js';
import type { RpcMessage } from '../../shared/rpc.js';
import type { SegmentationApi } from '../segmentation-api.js';
import type { AudienceEventLake } from '../wiring.js';
import type { ExportTarget } from '../audience-service.js';

/**
 * The graph of a changed identity as the processor saw it when it forwarded the change: its XID and, when it is
 * stitched to others, every member (a lone identity has none).
 */
export interface ForwardedView {
  sandboxId: string;
  ref: IdentityRef;
  xid: string;
  members?: GraphMember[];
}

export interface ForwardedChange {
  change: ProfileChange;
  /** Undefined for a graph change whose XID no longer resolves. */
  view?: ForwardedView;
}

/** Processor thread -> segmentation worker. */
export type ToSegmentWorker =
  | { type: 'changes'; items: ForwardedChange[] }
  /** Merge policies or computed attributes were written by the processor's services: cached copies are stale. */
  | { type: 'profile-config' }
  /** Fault injection: the worker throws an error nothing catches (tests of the supervision). */
  | { type: 'fault' }
  | RpcMessage;

/** Segmentation worker -> processor thread. */
export type FromSegmentWorker =
  | { type: 'ready' }
  /** Changes received so far and changes/profiles still waiting in the runtime (back-pressure). */
  | { type: 'progress'; received: number; backlog: number }
  | { type: 'error'; message: string }
  /** Sandboxes known to have no definitions: the processor stops forwarding their changes (until `activate`). */
  | { type: 'empty'; sandboxIds: string[] }
  | RpcMessage;

/** The identity graph's questions the worker asks its owner (the processor's thread). */
export interface GraphOwner {
  graphOf(sandboxId: string, ref: IdentityRef): IdentityGraphView | undefined;
  xidOf(sandboxId: string, ref: IdentityRef): string;
  resolveXid(sandboxId: string, xid: string): IdentityRef | undefined;
  /** DEFAULT_NAMESPACE_PRIORITY when the owner has none. */
  namespacePriority(sandboxId: string): Record<string, number>;
}

/** What the worker may ask the processor thread (the identity graph and the lake live there). */
export interface SegmentHostServiceMap {
  /** A definition was created in a sandbox: forward its changes again. */
  host: { activate(sandboxId: string): boolean };
  identities: GraphOwner;
  lake: AudienceEventLake;
  export: ExportTarget;
}

/** What the processor thread asks the segmentation worker. */
export interface SegmentWorkerServiceMap {
  segments: SegmentationApi;
  /** Closes segment.db and the worker's other stores; the port closes after the reply. */
  worker: { stop(): Promise<void> };
  /** The thread's Prometheus metrics (prom-client's getMetricsAsJSON), for the API's `/metrics`. */
  metrics: { json(): Promise<unknown[]> };
}
