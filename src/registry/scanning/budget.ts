import { ScanLimitError, type ScanLimits } from './types.js';

/** Counters shared by every file of one scan; each `add*` throws `ScanLimitError` once a bound is crossed. */
export class ScanBudget {
  private opcodes = 0;
  private inflated = 0;
  private bytesRead = 0;
  private readonly deadline: number;

  constructor(readonly limits: ScanLimits) {
    this.deadline = Date.now() + limits.timeBudgetMs;
  }

  addOpcodes(n: number): void {
    this.opcodes += n;
    if (this.opcodes > this.limits.maxOpcodes) {
      throw new ScanLimitError('maxOpcodes', `more than ${this.limits.maxOpcodes} pickle opcodes`);
    }
    this.checkTime();
  }

  addInflated(n: number): void {
    this.inflated += n;
    if (this.inflated > this.limits.maxInflatedBytes) {
      throw new ScanLimitError(
        'maxInflatedBytes',
        `more than ${this.limits.maxInflatedBytes} decompressed bytes`,
      );
    }
  }

  /** Bytes the inflater may still produce before the scan-wide bound. */
  inflateAllowance(): number {
    return Math.max(0, this.limits.maxInflatedBytes - this.inflated);
  }

  addBytesRead(n: number): void {
    this.bytesRead += n;
    if (this.bytesRead > this.limits.maxTotalBytes) {
      throw new ScanLimitError(
        'maxTotalBytes',
        `more than ${this.limits.maxTotalBytes} bytes read in one scan`,
      );
    }
  }

  /** Milliseconds left of the time budget (0 once it is spent). */
  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  checkTime(): void {
    if (Date.now() > this.deadline) {
      throw new ScanLimitError('timeBudgetMs', `scan took longer than ${this.limits.timeBudgetMs} ms`);
    }
  }

  get totalOpcodes(): number {
    return this.opcodes;
  }
}
