/** The profile doctor's answer: every reason a person may not show up, checked one by one. */

export type CheckStatus = 'pass' | 'fail' | 'notApplicable';

/** The checks, in the order they are reported (their number is their place here, from 1). */
export const CHECK_IDS = [
  'recordsReceived',
  'failedRecords',
  'datasets',
  'namespace',
  'identityGraph',
  'mergePolicy',
  'otherSandboxes',
  'gatewayRejections',
  'processingLag',
  'consent',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export const CHECK_TITLES: Record<CheckId, string> = {
  recordsReceived: 'Records received that name this identity',
  failedRecords: 'Failed and "not ingested to profile" records',
  datasets: 'Datasets and schemas enabled for Profile, with a primary identity',
  namespace: 'Identity namespace and value',
  identityGraph: 'Identity graph: links, cuts and evictions',
  mergePolicy: 'Merge policy includes the datasets that hold the data',
  otherSandboxes: 'The same identity in another sandbox of the org',
  gatewayRejections: 'Recent gateway rejections for the org',
  processingLag: 'Processing lag',
  consent: 'Consent refusals on collection',
};

export interface CheckResult {
  id: CheckId;
  /** 1-10: the check's number. */
  number: number;
  title: string;
  status: CheckStatus;
  /** One sentence: what was found. */
  summary: string;
  /** What the answer rests on: counts, ids, times (epoch ms). */
  evidence: Record<string, unknown>;
  /** What to do about it (empty on a pass). */
  fix: string[];
}

export interface DoctorReport {
  identity: { namespace: string; id: string; xid: string | null };
  sandbox: { id: string; name: string };
  /** Epoch ms. */
  checkedAt: number;
  /** Whether a merged profile answers for this identity now. */
  profile: { found: boolean; lastModifiedAt: string | null; datasets: string[] };
  summary: { pass: number; fail: number; notApplicable: number };
  /** The failed checks' titles, in order: the short answer to "why doesn't this person show up?". */
  verdict: string;
  checks: CheckResult[];
}

/** A check's result without its number and title (the service adds them). */
export type Finding = Omit<CheckResult, 'id' | 'number' | 'title'>;

export const pass = (summary: string, evidence: Record<string, unknown> = {}): Finding => ({ status: 'pass', summary, evidence, fix: [] });
export const fail = (summary: string, evidence: Record<string, unknown>, fix: string[]): Finding => ({ status: 'fail', summary, evidence, fix });
export const notApplicable = (summary: string, evidence: Record<string, unknown> = {}): Finding => ({ status: 'notApplicable', summary, evidence, fix: [] });
