/**
 * Child process of the lake dedupe crash test: appends events to the ingest log (printing `ack <id>` once each
 * append is durable, as the HTTP edge acknowledges), processes them, then appends a second round (new ids, retries
 * of acknowledged ones, an invalid event) and SIGKILLs itself after step <step> of that round's first lake write.
 * Usage: node --import tsx crash-processor.ts <dataDir> <step>
 */
import { eventEntry, openProcessorFixture, type ProcessorFixture } from './processor-fixture.js';

const [dir, step] = process.argv.slice(2) as [string, string];
let armed = false;
let fx: ProcessorFixture | undefined;
fx = await openProcessorFixture(dir, {
  laneFault: async (s, upTo) => {
    if (!armed || s !== step) return;
    // the downstream steps run ahead of the lake lane and store their own marker: wait until it passes this write,
    // the worst case (a restart then reads nothing at or below it again)
    while ((await fx!.log.committed('downstream')) < upTo) await new Promise((r) => setTimeout(r, 2));
    process.kill(process.pid, 'SIGKILL');
  },
});

async function append(ids: string[], retries: string[], bad: string): Promise<void> {
  const entries = [...ids.map((id) => eventEntry(id)), ...retries.map((id) => eventEntry(id)), eventEntry(bad, true)];
  for (let i = 0; i < entries.length; i += 50) await fx!.log.append(entries.slice(i, i + 50));
  process.stdout.write(ids.map((id) => `ack ${id}\n`).join(''));
}

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `ev-${from + i}`);
await append(ids(1, 250), [], 'bad-1');
await fx.processor.drain();
armed = true;
await append(ids(251, 500), ids(1, 60), 'bad-2');
await fx.processor.drain();
process.stdout.write('not killed\n');
process.exit(1);
