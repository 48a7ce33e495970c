/**
 * A background loop of rounds: `round` runs at `start`, then every `intervalMs`, and at once when `wake` is called
 * (after the running round, never two at a time; wakes during a round fold into one more round). A round that
 * throws is reported to `onError` and the loop goes on. The timer does not keep the process alive.
 *
 * Example: `const loop = new RoundLoop(() => service.tick()); loop.start(1000, log); ...; await loop.stop();`
 */
export class RoundLoop {
  readonly #round: () => Promise<unknown>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #onError: (err: unknown) => void = () => undefined;

  constructor(round: () => Promise<unknown>) {
    this.#round = round;
  }

  /** Starts the loop (nothing when it runs already) and runs a first round now. */
  start(intervalMs: number, onError: (err: unknown) => void): void {
    if (this.#timer !== undefined) return;
    this.#onError = onError;
    this.#timer = setInterval(() => this.wake(), intervalMs);
    this.#timer.unref();
    this.wake();
  }

  /** Runs a round now (after the current one, if one is running); nothing when the loop is stopped. */
  wake(): void {
    if (this.#timer === undefined) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#round()
      .then(() => undefined)
      .catch((err: unknown) => this.#onError(err))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Stops the loop and waits for its current round. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#again = false;
    await this.#running;
  }
}
