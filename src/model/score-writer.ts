import type { ProfileService, BatchItem } from '../profile/profile-service.js';
import type { ScoreRow, ScoreSink } from './scoring.js';
import { scoreRecord } from './scoring.js';
import type { ModelScoreDataset } from './model-system-datasets.js';

/** The lake part this needs (Lake.appendRecords). */
export interface ScoreLake {
  appendRecords(sandboxId: string, table: string, rows: Array<{ id: string | null; timestamp: number | null; batchId: string; offset: number; ingestedAt: number; record: string }>): Promise<void>;
}

/**
 * Scores into the sandbox's "Model Scores" dataset: one fragment per person (keyed by their identity in the model's
 * namespace) applied to the profile store in one transaction per chunk — the profile change that segmentation and
 * journeys follow — and the same records appended to the dataset's lake table (SQL over past scores). Writing the
 * same scores twice leaves the profile as once.
 */
export class ScoreWriter implements ScoreSink {
  constructor(
    private readonly profiles: Pick<ProfileService, 'applyBatch'>,
    private readonly lake: ScoreLake,
    private readonly target: { sandboxId: string; dataset: ModelScoreDataset; namespace: string; attribute: string; modelId: string; modelVersion: number; scoredAt: number },
  ) {}

  async write(rows: ScoreRow[]): Promise<void> {
    const t = this.target;
    const at = { scoredAt: new Date(t.scoredAt).toISOString(), modelVersion: t.modelVersion, modelId: t.modelId };
    const batchId = `model-${t.modelId}-v${t.modelVersion}`;
    const records = rows.map((r) => scoreRecord(t.namespace, t.attribute, r, at));
    const items: BatchItem[] = rows.map((r, i) => ({
      sandboxId: t.sandboxId,
      kind: 'record',
      // the profile fragment is keyed by the identity already: the score attributes only (fewer leaves to merge)
      input: { datasetId: t.dataset.datasetId, batchId, primary: { namespace: t.namespace, id: r.pid }, record: { _kith: records[i]!._kith }, eventTime: t.scoredAt },
    }));
    const results = await this.profiles.applyBatch(items);
    const refused = results.find((r) => !r.ok);
    if (refused && !refused.ok) throw new Error(`the profile refused a score: ${String(refused.error.body.detail ?? refused.error.body.title)}`);
    await this.lake.appendRecords(t.sandboxId, t.dataset.table, records.map((record, i) => ({ id: `${batchId}:${rows[i]!.pid}`, timestamp: null, batchId, offset: 0, ingestedAt: t.scoredAt, record: JSON.stringify(record) })));
  }
}
