import type { RpcCall, RpcReply } from '../../shared/rpc.js';

/** Messages between the server's main thread and the processor worker (calls: ProcessorWorkerServiceMap). */
export type WorkerRequest =
  | { type: 'notify' }
  /** Fault injection: the worker throws an error nothing catches (tests of the supervision). */
  | { type: 'fault' }
  | { type: 'invalidate'; change: { kind: 'schemas'; sandboxId: string } | { kind: 'dataset'; sandboxId: string; datasetId: string } }
  | RpcCall;

export type WorkerEvent =
  | { type: 'ready' }
  | { type: 'position'; offset: number }
  | { type: 'landed'; sandboxId: string; schemaId: string }
  | { type: 'touched'; sandboxId: string; datasetId: string }
  | { type: 'error'; message: string }
  | RpcReply;
