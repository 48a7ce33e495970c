import type { Monitor } from './monitoring-types.js';
import type { MonitoringService } from './monitoring-service.js';

export interface MonitorSchedulerOptions {
  readonly monitoring: Pick<MonitoringService, 'runDueMonitors'>;
  /** Pause between checks for due monitors (default 30 s). */
  readonly intervalMs?: number;
  /** Told about a monitor whose run failed, or a check that failed; the loop keeps going. */
  onError(err: unknown, monitor?: Monitor): void;
}

/**
 * The loop that runs scheduled monitors (`schedule_ms`) in a long-lived server: every `intervalMs` it runs the
 * monitors that are due. Started and stopped by the platform's background work.
 * Example: `const s = new MonitorScheduler({ monitoring, onError }); s.start(); ...; await s.stop();`
 */
export class MonitorScheduler {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: MonitorSchedulerOptions) {}

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.schedule(0);
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.round = this.options.monitoring
        .runDueMonitors((err, monitor) => this.options.onError(err, monitor))
        .then(
          () => undefined,
          (err: unknown) => this.options.onError(err),
        )
        .finally(() => {
          if (!this.stopped) this.schedule(this.options.intervalMs ?? 30_000);
        });
    }, delay);
    this.timer.unref();
  }

  /** Stops the loop and waits for the current round. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.round;
  }
}
