import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../store/sqlite/open.js';
import { SegmentStore } from './segment-store.js';

const withStore = (fn: (s: SegmentStore, dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'kith-segstore-'));
  const s = new SegmentStore(openSqlite(dir, 'segment'));
  try {
    fn(s, dir);
  } finally {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  }
};
const add = (s: SegmentStore, n: number) => {
  for (let i = 0; i < n; i++) s.addOutbox('sb', 1000 + i, { _id: `e${i}`, eventType: 'segmentMembership.realized' });
};

describe('SegmentStore outbox (audience events flushed to the lake by sequence number)', () => {
  it('keeps each event with its id, in sequence order', () =>
    withStore((s) => {
      add(s, 3);
      const rows = s.readOutbox(0, 10);
      assert.deepEqual(rows.map((r) => [r.seq, r.id, (JSON.parse(r.record) as { _id: string })._id]), [[1, 'e0', 'e0'], [2, 'e1', 'e1'], [3, 'e2', 'e2']]);
      assert.deepEqual(s.readOutbox(2, 10).map((r) => r.seq), [3]);
    }));

  it('sequence numbers never go back, even once everything flushed is trimmed', () =>
    withStore((s) => {
      add(s, 5);
      s.trimOutbox(5); // everything is in the lake
      assert.equal(s.firstOutboxSeq(), 5, 'the newest row stays, so the next number follows it');
      add(s, 1);
      assert.deepEqual(s.readOutbox(5, 10).map((r) => r.seq), [6], 'a new event is after what the lake has');
    }));

  it('trims a slice: rows up to the given sequence number go, the rest stay', () =>
    withStore((s) => {
      add(s, 10);
      s.trimOutbox(4);
      assert.equal(s.firstOutboxSeq(), 5);
      assert.equal(s.readOutbox(0, 100).length, 6);
    }));

  it('an outbox written before event ids had a column still answers them', () =>
    withStore((s, dir) => {
      const raw = openSqlite(dir, 'segment');
      raw.prepare('INSERT INTO outbox (sandbox, ts, record) VALUES (?,?,?)').run('sb', 1, JSON.stringify({ _id: 'old-1' }));
      raw.close();
      assert.deepEqual(s.readOutbox(0, 10).map((r) => r.id), ['old-1']);
    }));

  describe('invalid input', () => {
    it('trimming an empty outbox, or past its end, is harmless', () =>
      withStore((s) => {
        s.trimOutbox(100);
        assert.equal(s.firstOutboxSeq(), 1);
        add(s, 2);
        s.trimOutbox(1_000);
        assert.deepEqual(s.readOutbox(0, 10).map((r) => r.seq), [2]);
      }));
  });
});
