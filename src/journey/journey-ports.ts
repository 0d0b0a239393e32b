import type { Result } from '../shared/result.js';
import type { Problem } from '../shared/problem.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import type { ActionError, ActionOutcomeFields, ActionSpec, Journey, JourneyInstance, JourneyVersion, StepEvent, StepStatus } from './journey-types.js';

/**
 * The seams between the parts of `src/journey` (built in parallel; composed in src/runtime/pipeline.ts and
 * src/runtime/api.ts). Engine ← definitions, people, actions; API routes → runtime.
 */

/** What the engine knows of journeys (read from the ResourceStore; cached until `definitionsChanged`). */
export interface JourneyDefinitions {
  /** Live versions of the sandbox with their journeys. */
  live(sandboxId: string): Promise<Array<{ journey: Journey; version: JourneyVersion }>>;
  /** Live and finished versions (a finished one takes no new entrants, but its instances still wait for events). */
  running(sandboxId: string): Promise<Array<{ journey: Journey; version: JourneyVersion }>>;
  /** Any version by id (instances stay on theirs, live or not). */
  version(sandboxId: string, versionId: string): Promise<{ journey: Journey; version: JourneyVersion } | undefined>;
  /** The live version of a journey (jump targets). */
  liveOf(sandboxId: string, journeyId: string): Promise<{ journey: Journey; version: JourneyVersion } | undefined>;
  /** Drop caches of the sandbox. */
  invalidate(sandboxId: string): void;
}

/** A person as the engine sees them when it evaluates a condition or fills a template. */
export interface Person {
  /** Every identity of the person's graph as `namespace:id` (the instance key's candidates; merge detection). */
  personKeys: string[];
  /** The merged profile (default merge policy), computed attributes under `computedAttributes`. */
  profile: Record<string, unknown>;
  /** Segment ids the person is in (realized or existing). */
  segments: Set<string>;
  /** The person's recent ExperienceEvents (PQL `xEvent` conditions), newest last; may be empty. */
  events: Array<{ id: string; ts: number; event: Record<string, unknown> }>;
}

/** What a read must fill (default: everything). `personKeys` always. */
export interface PersonNeeds {
  /** The merged profile with memberships and computed attributes. */
  profile?: boolean;
  /** The person's recent events (PQL conditions over `xEvent`). */
  events?: boolean;
}

export interface PersonReader {
  read(sandboxId: string, identity: IdentityRef, needs?: PersonNeeds): Promise<Person>;
}

/** What an action sees. */
export interface ActionContext {
  sandboxId: string;
  instance: JourneyInstance;
  /** `<instanceId>:<stepIndex>`: sent as `Idempotency-Key` (HTTP) and in the Message-ID (email). */
  idempotencyKey: string;
  profile: Record<string, unknown>;
  /** The triggering event (or audience transition) of the instance, if any. */
  event?: Record<string, unknown>;
  actionId: string;
  actionName: string;
}

export type ActionResult =
  | { status: 'done'; fields: ActionOutcomeFields }
  /** Not sent on purpose (email consent `n`, no address): the journey goes on. */
  | { status: 'skipped'; reason: string; fields: ActionOutcomeFields }
  | { status: 'failed'; error: ActionError; fields: ActionOutcomeFields };

/** Runs one action (with its retries, timeout and rate cap). Never throws. */
export interface ActionRunner {
  run(spec: ActionSpec, ctx: ActionContext): Promise<ActionResult>;
}

/** Where `updateProfile` writes its fragment (a record of the sandbox's journey profile dataset). */
export interface ProfileUpdateSink {
  write(sandboxId: string, identity: IdentityRef, record: Record<string, unknown>, idempotencyKey: string): Promise<Result<void, string>>;
}

export interface NodeReport {
  nodeId: string;
  nodeName: string;
  nodeType: string;
  count: number;
  statuses: Partial<Record<StepStatus, number>>;
}

export interface VersionReport {
  journeyId: string;
  versionId: string;
  from?: string;
  to?: string;
  entered: number;
  distinctPeople: number;
  ended: number;
  nodes: NodeReport[];
  errors: Array<{ nodeId: string; error: string; code: string | null; count: number }>;
  timeouts: number;
}

export interface PersonJourneys {
  identity: IdentityRef;
  /** `stepCount`: the instance's steps so far; `steps`: those already copied to the lake, oldest first. */
  instances: Array<Omit<JourneyInstance, 'steps'> & { stepCount: number; journeyName?: string; steps: StepEvent[] }>;
}

/** The engine's face to the API thread (served over the typed RPC as `journeys`). */
export interface JourneyRuntimeApi {
  /** Definitions of the sandbox changed (created, published, stopped, deleted). */
  definitionsChanged(sandboxId: string): Promise<void>;
  /** A version was stopped: its active instances end. */
  stopVersion(sandboxId: string, versionId: string): Promise<{ ended: number }>;
  /** Runs a person through a version (a draft too) without calling actions; its steps carry `inTest`. */
  test(sandboxId: string, versionId: string, input: { identity: IdentityRef; event?: Record<string, unknown> }): Promise<Result<{ instanceId: string; steps: StepEvent[] }, Problem>>;
  report(sandboxId: string, versionId: string, range: { from?: number; to?: number }): Promise<Result<VersionReport, Problem>>;
  personJourneys(sandboxId: string, identity: IdentityRef): Promise<Result<PersonJourneys, Problem>>;
}
