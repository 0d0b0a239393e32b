import { envNumber } from './env-number.js';

/**
 * KITH_TRACE_SLOW_STEP_MS: processor steps, lake writes and segmentation steps slower than this many ms are logged
 * to stderr by phase (0, the default: off). For latency work; read once per thread, a bad value refused by name.
 */
export const TRACE_SLOW_STEP_MS = envNumber('KITH_TRACE_SLOW_STEP_MS', 0);
