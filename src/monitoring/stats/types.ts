/** Which side of the null hypothesis a test looks at (scipy's `alternative`). */
export type Alternative = 'two-sided' | 'less' | 'greater';

/** A test statistic with its p-value. */
export interface TestResult {
  readonly statistic: number;
  readonly pValue: number;
}
