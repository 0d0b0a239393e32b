import type { ProfileChange } from '../../profile/profile-service.js';
import type { GraphMember, IdentityRef } from '../../profile/identity-resolver.js';

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
  | { type: 'call'; id: number; method: string; args: unknown[] }
  | { type: 'reply'; id: number; ok: boolean; value?: unknown; error?: string };

/** Segmentation worker -> processor thread. */
export type FromSegmentWorker =
  | { type: 'ready' }
  /** Changes received so far and changes/profiles still waiting in the runtime (back-pressure). */
  | { type: 'progress'; received: number; backlog: number }
  | { type: 'error'; message: string }
  /** Sandboxes known to have no definitions: the processor stops forwarding their changes (until `activate`). */
  | { type: 'empty'; sandboxIds: string[] }
  | { type: 'call'; id: number; method: string; args: unknown[] }
  | { type: 'reply'; id: number; ok: boolean; value?: unknown; error?: string };

/** What the worker may ask the processor thread (the identity graph and the lake live there). */
export type HostMethod = 'activate' | 'graphOf' | 'xidOf' | 'resolveXid' | 'namespacePriority' | 'lake.progress' | 'lake.write' | 'export.tableOf' | 'export.append';
