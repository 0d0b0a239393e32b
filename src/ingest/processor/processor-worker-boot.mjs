// Worker-thread entry: load TypeScript through tsx, then run the processor worker.
import { register } from 'tsx/esm/api';
register();
await import('./processor-worker.ts');
