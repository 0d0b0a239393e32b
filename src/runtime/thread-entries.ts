/**
 * The entry module of each worker thread (the model: README.md). Boot files run the compiled thread beside them in
 * dist/, or the TypeScript one through tsx beside the sources (tests, `npm run dev`); the checkpointer is plain JS.
 */
export const threadEntries = {
  processor: new URL('./processor-boot.mjs', import.meta.url),
  segmentation: new URL('./segmentation-boot.mjs', import.meta.url),
  reader: new URL('./reader-boot.mjs', import.meta.url),
  checkpointer: new URL('./checkpointer.mjs', import.meta.url),
} as const;
