import type { Step, StepResult } from './step.js';

/** What running one item through a pipeline gave: the last step's result, plus where it stopped and every warning. */
export type Outcome<O> = StepResult<O> & {
  /** Index of the step that produced the result (the last step for `ok`). */
  step: number;
  /** Name of that step (the function's name, or the one given to `pipe`). */
  stepName: string;
  /** Warnings of every step that ran, in order. */
  warnings: string[];
};

export interface Pipeline<I, O> {
  /** A new pipeline with `step` appended (pipelines are immutable). */
  pipe<N>(step: Step<O, N>, name?: string): Pipeline<I, N>;
  /** Runs one item through the steps until one does not return `ok`. Rejects only if a step throws. */
  run(input: I): Promise<Outcome<O>>;
  /** Number of steps. */
  readonly length: number;
}

interface Named {
  step: Step<unknown, unknown>;
  name: string;
}

class StepPipeline<I, O> implements Pipeline<I, O> {
  constructor(private readonly steps: readonly Named[]) {}

  get length(): number {
    return this.steps.length;
  }

  pipe<N>(step: Step<O, N>, name?: string): Pipeline<I, N> {
    return new StepPipeline<I, N>([...this.steps, { step: step as Step<unknown, unknown>, name: name ?? (step.name || `step${this.steps.length}`) }]);
  }

  async run(input: I): Promise<Outcome<O>> {
    const warnings: string[] = [];
    let value: unknown = input;
    for (let i = 0; i < this.steps.length; i++) {
      const { step, name } = this.steps[i]!;
      const r = await step(value);
      if (r.type !== 'ok') return { ...r, step: i, stepName: name, warnings };
      if (r.warnings) warnings.push(...r.warnings);
      value = r.value;
    }
    const last = this.steps.length - 1;
    return { type: 'ok', value: value as O, step: last, stepName: this.steps[last]?.name ?? '', warnings };
  }
}

/** Starts a pipeline whose input is `I`: `pipeline<Msg>().pipe(decode).pipe(validate)`. */
export function pipeline<I>(): Pipeline<I, I> {
  return new StepPipeline<I, I>([]);
}
