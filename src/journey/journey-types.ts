import type { IdentityRef } from '../profile/identity-resolver.js';

/**
 * The journey model: what a user writes (a journey and its versions) and what the engine keeps per person (an
 * instance). One file so every part of `src/journey` (definitions, engine, store, actions, step events) speaks
 * the same names. See ./README.md.
 */

// ---------------------------------------------------------------------------------------------------------------
// Definitions (a version's content; the REST API stores and validates them)
// ---------------------------------------------------------------------------------------------------------------

/** How a person enters a version. */
export type JourneyEntry =
  /** Unitary: an ExperienceEvent of `eventType` whose fields satisfy `condition` (PQL over `event.*`, optional). */
  | { type: 'event'; eventType: string; condition?: string; /** The identity namespace that keys the instance (e.g. `Email`, `ECID`). */ namespace: string; next: string }
  /** Unitary: a profile's transition in an audience (from the streaming evaluator). */
  | { type: 'audienceQualification'; segmentId: string; status: 'realized' | 'exited'; namespace: string; next: string }
  /** Batch: the audience's members read on a schedule, each member becoming a unitary instance. */
  | { type: 'readAudience'; segmentId: string; namespace: string; schedule: ReadSchedule; next: string };

/** `once` at `startAt` (default: when published), or every day/hour per Quartz-like `cron` (UTC). */
export type ReadSchedule = { frequency: 'once'; startAt?: string } | { frequency: 'cron'; cron: string };

export type HttpAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'apiKey'; header: string; value: string };

export interface HttpActionSpec {
  kind: 'http';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** May hold `{{profile.path}}` / `{{event.path}}` placeholders (URL-encoded when filled). */
  url: string;
  headers?: Record<string, string>;
  auth?: HttpAuth;
  /** A template (JSON text usually); placeholders are filled from the profile, the triggering event and the instance. */
  body?: string;
  /** Per attempt, default 5,000 ms. */
  timeoutMs?: number;
  /** Extra attempts after a timeout, a network error or a 5xx/429 (default 2). */
  retries?: number;
  /** First backoff, doubled per retry (default 200 ms). */
  backoffMs?: number;
  /** Calls per second to this endpoint (origin), across all journeys of the sandbox; a refusal is `capped`. */
  ratePerSecond?: number;
}

export interface EmailActionSpec {
  kind: 'email';
  /** Template; default `{{profile.personalEmail.address}}`. */
  to?: string;
  from: string;
  subject: string;
  text?: string;
  html?: string;
}

export interface UpdateProfileActionSpec {
  kind: 'updateProfile';
  /** XDM path (dot-separated) → template or literal value. Written as a fragment of the sandbox's journey profile dataset. */
  set: Record<string, string | number | boolean | null>;
}

export type ActionSpec = HttpActionSpec | EmailActionSpec | UpdateProfileActionSpec;

export interface ConditionBranch {
  name?: string;
  /** PQL over the profile, `event.*` (the triggering event), `inSegment(...)` and `computedAttributes.*`. */
  condition: string;
  next: string;
}

export type JourneyNode = { id: string; name?: string } & (
  | { type: 'condition'; branches: ConditionBranch[]; /** When no branch holds; absent ends the instance. */ otherwise?: string }
  | { type: 'wait'; /** Either a duration … */ seconds?: number; /** … or an ISO date-time. */ until?: string; next: string }
  | { type: 'waitForEvent'; eventType: string; condition?: string; timeoutSeconds: number; next: string; /** Absent ends the instance on timeout. */ timeoutNext?: string }
  | { type: 'action'; action: ActionSpec; next?: string; /** Taken when the action fails (error, timeout, capped); absent ends the instance. */ errorNext?: string }
  | { type: 'jump'; journeyId: string }
  | { type: 'end' }
);

export type NodeType = JourneyNode['type'];

/** Leave the journey when an event arrives or the person exits an audience. */
export type ExitCriterion =
  | { id: string; name?: string; type: 'event'; eventType: string; condition?: string }
  | { id: string; name?: string; type: 'audienceExit'; segmentId: string };

export type Reentrance = { mode: 'none' } | { mode: 'afterWait'; waitSeconds: number };

/** What a version holds (the editable part of a journey). */
export interface JourneyDefinition {
  name: string;
  description?: string;
  entry: JourneyEntry;
  nodes: JourneyNode[];
  exitCriteria?: ExitCriterion[];
  /** Default none. */
  reentrance?: Reentrance;
  /** An instance still running this long after entry ends as `instanceTimedout` (default 91 days, AJO's). */
  instanceTimeoutSeconds?: number;
}

export type VersionStatus = 'draft' | 'live' | 'stopped' | 'finished';

export interface JourneyVersion {
  id: string;
  journeyId: string;
  /** `major.minor` as AJO shows it: 1.0, 2.0, … */
  version: string;
  status: VersionStatus;
  definition: JourneyDefinition;
  createdAt: number;
  updatedAt: number;
  publishedAt?: number;
  stoppedAt?: number;
}

export interface Journey {
  id: string;
  sandboxId: string;
  name: string;
  /** The version users edit (a draft), if any. */
  draftVersionId?: string;
  /** The one live version, if any. */
  liveVersionId?: string;
  versionIds: string[];
  createdAt: number;
  updatedAt: number;
  createdBy?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Engine state (the store keeps it; see store/journey-store.ts)
// ---------------------------------------------------------------------------------------------------------------

export type InstanceStatus = 'running' | 'waiting' | 'ended';

/** What a waiting instance waits for. */
export type WaitState =
  | { kind: 'timer'; due: number }
  | { kind: 'event'; eventType: string; due: number }
  /** An action to run (or re-run after a crash): the engine calls it outside the state transaction. */
  | { kind: 'action'; due: number; attempt: number };

export interface JourneyInstance {
  id: string;
  sandboxId: string;
  journeyId: string;
  versionId: string;
  /** `namespace:id` of the identity the instance was entered with (the key of the instance within its version). */
  personKey: string;
  identity: IdentityRef;
  status: InstanceStatus;
  /** The node the instance is at (the last one when ended). */
  nodeId: string;
  /** The node it came from to `nodeId` (`start` after the entry): the parent fields of its next step. */
  parentNodeId?: string;
  wait?: WaitState;
  instanceType: 'unitary' | 'batch';
  inTest: boolean;
  enteredAt: number;
  updatedAt: number;
  endedAt?: number;
  /** The entering event (unitary event entries) or audience transition, as conditions and templates read it. */
  trigger?: Record<string, unknown>;
  /** Steps written so far (a step's id is `<instanceId>:<stepIndex>`: the idempotency key of its action). */
  steps: number;
  /** The audience read run that started it (a replayed run does not start the person again). */
  runId?: string;
}

/** One step event as the engine emits it; step-events/ turns it into the XDM records of the three datasets. */
export type StepStatus = 'ended' | 'error' | 'transitions' | 'capped' | 'timedout' | 'instanceTimedout';
export type ActionError = 'http' | 'capping' | 'timeout' | 'error';

export interface StepEvent {
  /** `<instanceId>:<stepIndex>`: unique, the `_id` of the XDM records (exactly once in the lake). */
  id: string;
  sandboxId: string;
  timestamp: number;
  journeyId: string;
  journeyVersionId: string;
  journeyVersionName: string;
  journeyVersion: string;
  instanceId: string;
  instanceType: 'unitary' | 'batch';
  identity: IdentityRef;
  nodeId: string;
  nodeName: string;
  nodeType: NodeType | 'start';
  stepStatus: StepStatus;
  entrance: boolean;
  reentrance?: boolean;
  instanceEnded: boolean;
  inTest: boolean;
  /** The event being processed: the external event's `_id`, or `timer`, `executedAction`, `audience`, `exitCriteria`, `identityMerge`. */
  eventID: string;
  eventName?: string;
  isExternalEvent?: boolean;
  processingTime: number;
  parentNodeId?: string;
  parentNodeType?: string;
  parentNodeName?: string;
  exitCriteriaID?: string;
  exitCriteriaName?: string;
  segmentQualificationStatus?: 'existing' | 'realized' | 'exited';
  action?: ActionOutcomeFields;
}

export interface ActionOutcomeFields {
  actionID: string;
  actionName: string;
  actionType: 'http' | 'email' | 'updateProfile';
  actionExecutionTime: number;
  actionExecutionError?: ActionError;
  actionExecutionErrorCode?: string;
  /** The error of the attempt before the last retry (e.g. `http` `500` before a timeout). */
  actionExecutionOriginError?: ActionError;
  actionExecutionOriginCode?: string;
  actionErrorContext?: string;
  /** Attempts made (1 = no retry). */
  attempts: number;
}
