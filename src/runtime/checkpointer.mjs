// The checkpointer thread: background WAL checkpoints (host side: store/sqlite/checkpointer.ts). Plain JavaScript: it only needs better-sqlite3.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { files, restartable, intervalMs, restartFrames, forceFrames, restartWaitMs } = workerData;
const mayRestart = new Set(restartable);
const dbs = new Map();
/** Per file, the WAL frames copied as of the last round (to count pages copied once). */
const copied = new Map();
let stopped = false;
let checkpoints = 0;
let pages = 0;
let restarts = 0;
/** WAL frames (pages) after which the checkpointer restarts the WAL itself when nobody is in the way. */
const RESTART_FRAMES = restartFrames ?? 4096;
/** WAL frames after which it restarts the WAL even if writers have to wait for it (64 MB of 4 KB pages). */
const FORCE_FRAMES = forceFrames ?? 16_384;
/** How long a forced restart waits for the writer of the moment, and for readers, before it gives up for now. */
const RESTART_WAIT_MS = restartWaitMs ?? 50;
let forced = 0;

function open(file) {
  let db = dbs.get(file);
  if (db) return db;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 0');
    dbs.set(file, db);
    return db;
  } catch {
    return undefined; // not created yet: next round
  }
}

/**
 * A forced restart that failed (a reader stayed in the WAL: a long query) held writers back for nothing: the next
 * forced attempts on that file wait 1, 2, 4, then 8 rounds. One that succeeds ends the backoff.
 */
const backoff = new Map();
function due(file) {
  const b = backoff.get(file);
  if (!b || b.skip === 0) return true;
  b.skip--;
  return false;
}
function backOff(file, failed) {
  if (!failed) return void backoff.delete(file);
  const b = backoff.get(file) ?? { next: 1, skip: 0 };
  b.skip = b.next;
  b.next = Math.min(8, b.next * 2);
  backoff.set(file, b);
}

function round() {
  for (const file of files) {
    const db = open(file);
    if (!db) continue;
    try {
      // PASSIVE copies what it can without waiting for (or blocking) writers and readers. The WAL file only starts
      // over when a writer begins while every frame has been copied and no reader is in the WAL, which a steady load
      // (commits every few ms, readers on other threads) makes rare: the ingest log's WAL grew by ~4 MB/s at 5,000
      // events/s and never started over (179 MB after 48 s). So, for restartable files: past RESTART_FRAMES, when
      // PASSIVE copied everything, try once without waiting to restart it ourselves; past FORCE_FRAMES, RESTART
      // waiting up to RESTART_WAIT_MS for the writer of the moment and for readers to leave (writers wait while it
      // copies what PASSIVE left: 20-100 ms, so only then). RESTART holds the write lock, so only for files whose
      // writers take it at the start of their transaction (BEGIN IMMEDIATE, or a first statement that writes): a
      // deferred transaction that has read gets SQLITE_BUSY at once instead of waiting.
      let [r] = db.pragma('wal_checkpoint(PASSIVE)');
      if (mayRestart.has(file) && r && r.log >= RESTART_FRAMES) {
        const force = r.log >= FORCE_FRAMES && due(file);
        if (force || r.checkpointed === r.log) {
          if (force) db.pragma(`busy_timeout = ${RESTART_WAIT_MS}`);
          try {
            const [x] = db.pragma('wal_checkpoint(RESTART)');
            const ok = x !== undefined && x.busy === 0;
            if (ok) restarts++;
            if (force) {
              forced++;
              backOff(file, !ok);
            }
            r = x ?? r;
          } finally {
            if (force) db.pragma('busy_timeout = 0');
          }
        }
      }
      // `checkpointed` counts every frame of the WAL copied so far (since it last started over): count the new ones
      if (r && r.checkpointed >= 0) {
        const before = copied.get(file) ?? { log: 0, checkpointed: 0 };
        // a WAL that started over since holds fewer frames than it did (or fewer copied ones)
        const over = r.log < before.log || r.checkpointed < before.checkpointed;
        const fresh = over ? r.checkpointed : r.checkpointed - before.checkpointed;
        copied.set(file, { log: r.log, checkpointed: r.checkpointed });
        if (fresh > 0) {
          checkpoints++;
          pages += fresh;
        }
      }
    } catch {
      // busy (another checkpoint, a recovery): next round
    }
  }
}

const timer = setInterval(() => {
  if (!stopped) round();
}, intervalMs);

parentPort.on('message', (m) => {
  if (m.type === 'stats') parentPort.postMessage({ type: 'stats', checkpoints, pages, restarts, forced });
  if (m.type === 'stop') {
    stopped = true;
    clearInterval(timer);
    round();
    for (const db of dbs.values()) db.close();
    parentPort.postMessage({ type: 'stopped', checkpoints, pages, restarts, forced });
    parentPort.close();
  }
});
parentPort.postMessage({ type: 'ready' });
