// Background WAL checkpoints (see checkpointer.ts). Plain JavaScript: it only needs better-sqlite3.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { files, restartable, intervalMs } = workerData;
const mayRestart = new Set(restartable);
const dbs = new Map();
let stopped = false;
let checkpoints = 0;
let pages = 0;
let restarts = 0;
/** WAL frames (pages) after which the checkpointer restarts the WAL itself. */
const RESTART_FRAMES = 4096;

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

function round() {
  for (const file of files) {
    const db = open(file);
    if (!db) continue;
    try {
      // PASSIVE copies what it can without waiting for (or blocking) writers and readers. The WAL file only starts
      // over when a writer finds no reader in it, which busy readers on other threads make rare: past
      // RESTART_FRAMES, try once (no waiting) to restart it ourselves. RESTART holds the write lock for a moment,
      // so only for files whose writers take it with BEGIN IMMEDIATE (a deferred transaction that has read gets
      // SQLITE_BUSY at once instead of waiting).
      let [r] = db.pragma('wal_checkpoint(PASSIVE)');
      if (mayRestart.has(file) && r && r.log >= RESTART_FRAMES && r.checkpointed === r.log) {
        const [x] = db.pragma('wal_checkpoint(RESTART)');
        if (x && x.busy === 0) restarts++;
        r = x ?? r;
      }
      if (r && r.checkpointed > 0) {
        checkpoints++;
        pages += r.checkpointed;
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
  if (m.type === 'stats') parentPort.postMessage({ type: 'stats', checkpoints, pages, restarts });
  if (m.type === 'stop') {
    stopped = true;
    clearInterval(timer);
    round();
    for (const db of dbs.values()) db.close();
    parentPort.postMessage({ type: 'stopped', checkpoints, pages, restarts });
    parentPort.close();
  }
});
parentPort.postMessage({ type: 'ready' });
