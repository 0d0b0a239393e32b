import type { Condition } from './pql/ast.js';

export type MembershipStatus = 'realized' | 'existing' | 'exited';
export const PROFILE_SCHEMA = '_xdm.context.profile';
export const MEMBERSHIP_NAMESPACE = 'ups';

/** A segment definition as stored and returned (AEP §6.2 shape, plus Kith's evaluation report). */
export interface SegmentDefinition {
  id: string;
  name: string;
  description?: string;
  profileInstanceId: string;
  expression: { type: 'PQL'; format: 'pql/text'; value: string };
  evaluationInfo: {
    batch: { enabled: boolean };
    /** Streaming: Kith decides eligibility per definition; `eligible`/`reason` report why. */
    continuous: { enabled: boolean; eligible: boolean; reason?: string };
    synchronous: { enabled: boolean };
  };
  schema: { name: string };
  mergePolicyId?: string;
  ttlInDays: number;
  imsOrgId: string;
  sandbox: { sandboxId: string; sandboxName: string; type: string; default: boolean };
  dataGovernancePolicy: { excludeOptOut: boolean };
  creationTime: number;
  updateEpoch: number;
  updateTime: number;
  baselineTime?: number;
  /** Incremented on every change of the expression; written into memberships. */
  version: number;
  /** Segments this one reads through inSegment(). */
  dependencies: string[];
  [k: string]: unknown;
}

/** A definition ready to evaluate. */
export interface CompiledDefinition {
  def: SegmentDefinition;
  root: Condition;
  streaming: boolean;
  usesEvents: boolean;
  /** Reads now/today (its answer can change with time alone: timers). */
  usesNow: boolean;
  usesProfile: boolean;
  readsComputedAttributes: boolean;
  prefilter: (e: { id: string; ts: number; event: Record<string, unknown> }) => boolean;
  eventPaths: string[][];
  /**
   * The eventTypes every event filter of the definition requires (undefined: some filter accepts any type). Events of
   * other types can never be selected, so the evaluator is given only these (see eval/event-types.ts).
   */
  eventTypes?: ReadonlySet<string>;
}

/** The system datasets segmentation writes to in a sandbox (provisioned with the first definition). */
export interface SegmentSystemDatasets {
  /** Profile-class dataset whose fragments carry `segmentMembership` (read-only for users). */
  membershipDatasetId: string;
  /** ExperienceEvent-class dataset of audience-membership transitions (lake table `eventsTable`). */
  eventsDatasetId: string;
  eventsTable: string;
}
export const SYSTEM_KIND = 'segment-system';
export const DEFINITION_KIND = 'segment-definition';
export const JOB_KIND = 'segment-job';
export const EXPORT_KIND = 'segment-export';
export const PREVIEW_KIND = 'segment-preview';
