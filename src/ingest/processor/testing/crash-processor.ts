/**
 * Child process of the lake dedupe crash test: appends events to the ingest log (printing `ack <id>` once each
 * append is durable, as the HTTP edge acknowledges), processes them, then appends a second round (new ids, retries
 * of acknowledged ones, an invalid event, an import batch first: `batch <id>`) and SIGKILLs itself after step <step> of
 * that round's first lake write.
 * Usage: node --import tsx crash-processor.ts <dataDir> <step>
 */
import { batchEndEntry, DATASET, eventEntry, openProcessorFixture, SANDBOX, type ProcessorFixture } from './processor-fixture.js';

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

type Entry = ReturnType<typeof eventEntry> | ReturnType<typeof batchEndEntry>;
async function append(acked: string[], entries: Entry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 50) await fx!.log.append(entries.slice(i, i + 50));
  process.stdout.write(acked.map((id) => `ack ${id}\n`).join(''));
}

const ids = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}-${from + i}`);
await append(ids('ev', 1, 250), [...ids('ev', 1, 250).map((id) => eventEntry(id)), eventEntry('bad-1', true)]);
await fx.processor.drain();
armed = true;
const batch = await fx.catalog.createBatch(SANDBOX, { datasetId: DATASET.id, source: 'batch' }, 'test');
process.stdout.write(`batch ${batch.id}\n`);
const imported = ids('imp', 1, 20);
await append([...imported, ...ids('ev', 251, 500)], [
  ...imported.map((id) => eventEntry(id, false, batch.id)),
  batchEndEntry(batch.id, imported.length),
  ...ids('ev', 251, 500).map((id) => eventEntry(id)),
  ...ids('ev', 1, 60).map((id) => eventEntry(id)),
  eventEntry('bad-2', true),
]);
await fx.processor.drain();
process.stdout.write('not killed\n');
process.exit(1);
