/**
 * Child process of the lake crash test: writes 500-row chunks (offsets 1, 2, …) through Lake.write and prints
 * each committed upTo. Usage: node --import tsx crash-writer.ts <dataDir>
 */
import { Lake } from '../lake.js';

const lake = await Lake.open(process.argv[2]!);
let offset = await lake.progress('lake');
process.stdout.write(`start ${offset}\n`);
for (;;) {
  const rows = Array.from({ length: 500 }, () => {
    const o = ++offset;
    return { sandboxId: 'sb', table: 'events', id: `ev-${o}`, timestamp: o, batchId: 'B', offset: o, ingestedAt: 0, record: JSON.stringify({ _id: `ev-${o}`, n: o }) };
  });
  await lake.write('lake', offset, rows);
  process.stdout.write(`${offset}\n`);
}
