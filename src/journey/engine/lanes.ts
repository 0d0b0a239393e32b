import { KeyedSerial } from '../../shared/serial.js';

/**
 * A lane per person key: work on one key runs one piece at a time, in hand-off order; keys run concurrently. A batch
 * read (the last instances of an inbox batch, a page of due waits) runs `watching`, which answers the keys handed
 * work while it ran: their rows may be stale, the others' are current (every write of a key runs on its lane).
 */
export class Lanes {
  private readonly serial = new KeyedSerial();
  /** Per watched read running: the keys handed work meanwhile. */
  private readonly touched = new Set<Set<string>>();

  /** True while work on this key is queued or running. */
  busy(key: string): boolean {
    return this.serial.busy(key);
  }

  /** Runs `fn` on the key's lane; a watched read running meanwhile learns the key was handed work, and when it ended. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const mark = () => {
      for (const t of this.touched) t.add(key);
    };
    mark();
    return this.serial.run(key, () => fn().finally(mark));
  }

  /** Holds the key's lane until `until` settles: work handed to it later runs after (a group moved in one pass). */
  hold(key: string, until: Promise<void>): void {
    void this.run(key, () => until).catch(() => undefined);
  }

  /** Runs a read and answers the keys whose lane was handed work while it ran. */
  async watching(read: () => Promise<void>): Promise<Set<string>> {
    const touched = new Set<string>();
    this.touched.add(touched);
    try {
      await read();
    } finally {
      this.touched.delete(touched);
    }
    return touched;
  }
}
