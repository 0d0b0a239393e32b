import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bucketOf, scoreRecord, scoresSql, type ScoreRow } from './scoring.js';
import { ScoreWriter } from './score-writer.js';
import { lakeFixture, type LakeFixture } from './testing/lake-fixture.js';
import { profileFixture, SB } from '../profile/testing/profile-fixture.js';

describe('buckets from percentiles', () => {
  const cases: Array<[number, string]> = [[100, 'high'], [81, 'high'], [80, 'medium'], [51, 'medium'], [50, 'low'], [1, 'low']];
  for (const [p, b] of cases) it(`${p} → ${b}`, () => assert.equal(bucketOf(p), b));
});

describe('scores in DuckDB', () => {
  let lake: LakeFixture;
  before(async () => {
    lake = await lakeFixture();
    // ten people, one standardized feature z0 = 0 … 9 (and a second that only lowers scores)
    await lake.session.run('CREATE TABLE z AS SELECT \'p\' || i AS pid, i::DOUBLE AS z0, -1.0 AS z1 FROM range(10) t(i)');
  });
  after(() => lake.close());

  it('probability, percentile (1–100), bucket and the factors that push the score up', async () => {
    const rows = await lake.session.rows(`SELECT * FROM (${scoresSql('z', 'conversion', [0, 1, 2], ['views', 'returns'])}) ORDER BY pid`);
    const byPid = Object.fromEntries(rows.map((r) => [r.pid, r]));
    // p9: z0 = 9 → eta = 9 − 2 = 7 → 0.9991; the top tenth → percentile 100, high
    assert.equal(byPid.p9!.score, 0.9991);
    assert.equal(byPid.p9!.percentile, 100);
    assert.equal(byPid.p9!.bucket, 'high');
    assert.deepEqual(byPid.p9!.factors, ['views']);
    // p0: eta = −2, nothing pushes it up
    assert.equal(byPid.p0!.score, 0.1192);
    assert.equal(byPid.p0!.percentile, 10);
    assert.equal(byPid.p0!.bucket, 'low');
    assert.deepEqual(byPid.p0!.factors, []);
    assert.deepEqual(rows.map((r) => r.bucket).filter((b) => b === 'high').length, 2);
  });

  it('lifetime value: a value, never below zero, rounded to cents', async () => {
    const rows = await lake.session.rows(`SELECT pid, score FROM (${scoresSql('z', 'lifetimeValue', [-3, 1.01, 0], ['views', 'returns'])}) ORDER BY pid`);
    assert.equal(rows[0]!.score, 0);
    assert.equal(rows.find((r) => r.pid === 'p9')!.score, 6.09);
  });
});

describe('ScoreWriter: scores into profiles and the lake', () => {
  it('writes _kith.models.<attribute> into the profile; the same scores twice leave it as once', async () => {
    const f = profileFixture();
    const appended: Array<{ table: string; rows: number; record: string }> = [];
    const lake = { appendRecords: async (_sb: string, table: string, rows: Array<{ record: string }>) => void appended.push({ table, rows: rows.length, record: rows[0]!.record }) };
    const at = Date.UTC(2026, 0, 10, 12);
    const w = new ScoreWriter(f.ctx.profiles, lake, { sandboxId: SB.sandbox.id, dataset: { datasetId: 'ds-scores', table: 'model_scores' }, namespace: 'Email', attribute: 'churnRisk', modelId: 'm1', modelVersion: 3, scoredAt: at });
    const rows: ScoreRow[] = [{ pid: 'ann@x.com', score: 0.91, percentile: 97, bucket: 'high', factors: ['daysSinceLastEvent', 'events30d'] }];
    try {
      await w.write(rows);
      await w.write(rows);
      const p = await f.ctx.profiles.getProfile(SB, { namespace: 'Email', id: 'ann@x.com' });
      assert.ok(p.ok);
      assert.deepEqual((p.value.entity as any)._kith.models.churnRisk, {
        score: 0.91, percentile: 97, bucket: 'high', scoredAt: new Date(at).toISOString(), modelVersion: 3, modelId: 'm1', topFactors: ['daysSinceLastEvent', 'events30d'],
      });
      assert.equal(appended.length, 2);
      assert.equal(appended[0]!.table, 'model_scores');
      assert.deepEqual(JSON.parse(appended[0]!.record), scoreRecord('Email', 'churnRisk', rows[0]!, { scoredAt: new Date(at).toISOString(), modelVersion: 3, modelId: 'm1' }));
    } finally {
      f.close();
    }
  });
});
