// Worker-thread entry: load TypeScript through tsx, then run the segmentation worker.
import { register } from 'tsx/esm/api';
register();
await import('./segment-worker.ts');
