/** Runs at most `limit` async functions at once; the others wait in call order. */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= Math.max(1, this.limit)) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      // hand the slot straight to the next waiter (running stays the same) or free it
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
