// Entry of the reader thread (compiled or through tsx: boot-thread.mjs).
import { bootThread } from './boot-thread.mjs';
await bootThread(import.meta.url, 'reader');
