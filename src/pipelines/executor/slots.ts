/** Shared among the drivers of one process: how many step processes may run at once. */
export class Slots {
  #used = 0;
  readonly #waiters = new Set<() => void>();
  constructor(private readonly size: number) {}
  /** Whether `tryTake` would succeed now. */
  available(): boolean {
    return this.#used < this.size;
  }
  tryTake(): boolean {
    if (this.#used >= this.size) return false;
    this.#used++;
    return true;
  }
  release(): void {
    this.#used--;
    for (const wake of this.#waiters) wake();
  }
  onRelease(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }
}
