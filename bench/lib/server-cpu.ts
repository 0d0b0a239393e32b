import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { processCpuMs } from './load.js';

/**
 * CPU of a Kith server process and, when its state is on PostgreSQL, of the PostgreSQL backends serving its
 * connections (their work is the server's work: leaving it out would flatter the PostgreSQL side of a ratio).
 * Backends are found through /proc (Linux, as root or the same user): the server's TCP sockets to the database port,
 * then the processes holding the other ends. A backend that exits inside a window loses its share (pools keep theirs).
 */
export interface CpuReading {
  serverMs: number | undefined;
  /** CPU (ms) by backend pid; empty on embedded storage. */
  backends: Map<number, number>;
}

const socketInodes = (pid: number): Set<string> => {
  const out = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) out.add(m[1]!);
      } catch {
        // the descriptor closed meanwhile
      }
    }
  } catch {
    // the process is gone or not ours to read
  }
  return out;
};

/** Established TCP connections of the machine: local port, remote port, socket inode (IPv4 and IPv6). */
function tcpConnections(): Array<{ local: number; remote: number; inode: string }> {
  const out: Array<{ local: number; remote: number; inode: string }> = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01') continue; // 01: ESTABLISHED
      out.push({ local: parseInt(f[1]!.split(':')[1]!, 16), remote: parseInt(f[2]!.split(':')[1]!, 16), inode: f[9]! });
    }
  }
  return out;
}

/** Pids of the processes holding the database side of `serverPid`'s connections to `dbPort`. */
export function backendPids(serverPid: number, dbPort: number): number[] {
  const mine = socketInodes(serverPid);
  const conns = tcpConnections();
  const clientPorts = new Set(conns.filter((c) => c.remote === dbPort && mine.has(c.inode)).map((c) => c.local));
  if (clientPorts.size === 0) return [];
  const far = new Set(conns.filter((c) => c.local === dbPort && clientPorts.has(c.remote)).map((c) => c.inode));
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === serverPid) continue;
    for (const inode of socketInodes(Number(e))) {
      if (far.has(inode)) {
        pids.push(Number(e));
        break;
      }
    }
  }
  return pids;
}

/** The database port of KITH_DATABASE_URL, or undefined on embedded storage. */
export function databasePort(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (!env.KITH_DATABASE_URL) return undefined;
  try {
    return Number(new URL(env.KITH_DATABASE_URL).port || 5432);
  } catch {
    return undefined;
  }
}

export function readCpu(serverPid: number | undefined, dbPort = databasePort()): CpuReading {
  const backends = new Map<number, number>();
  if (serverPid !== undefined && dbPort !== undefined)
    for (const pid of backendPids(serverPid, dbPort)) {
      const ms = processCpuMs(pid);
      if (ms !== undefined) backends.set(pid, ms);
    }
  return { serverMs: processCpuMs(serverPid), backends };
}

/**
 * µs per unit of work between two readings: the server's, the database backends' (null on embedded storage) and
 * their sum. A backend first seen in the second reading counts whole (it was opened for this work).
 */
export function cpuPerUnit(a: CpuReading, b: CpuReading, units: number, onPostgres = databasePort() !== undefined): { server: number | null; database: number | null; total: number | null } {
  const per = (ms: number) => Math.round((ms * 1000) / Math.max(1, units));
  const server = a.serverMs === undefined || b.serverMs === undefined ? null : per(b.serverMs - a.serverMs);
  let dbMs = 0;
  for (const [pid, ms] of b.backends) dbMs += ms - (a.backends.get(pid) ?? 0);
  const database = onPostgres ? per(dbMs) : null;
  return { server, database, total: server === null ? null : server + (database ?? 0) };
}

/** The bench JSON's CPU figures between two readings: `databaseCpuUsPerEvent` only on PostgreSQL. */
export function cpuFigures(a: CpuReading, b: CpuReading, units: number): { serverCpuUsPerEvent: number | null; databaseCpuUsPerEvent?: number | null; totalCpuUsPerEvent: number | null } {
  const c = cpuPerUnit(a, b, units);
  return { serverCpuUsPerEvent: c.server, ...(c.database === null ? {} : { databaseCpuUsPerEvent: c.database }), totalCpuUsPerEvent: c.total };
}
