/**
 * Least-squares polynomial fit, like `np.polyfit(x, y, deg)`: the Vandermonde columns are scaled to unit norm
 * (as numpy does) and the system is solved by Householder QR. Coefficients come highest power first, ready for
 * {@link polyval}. Meant for tiny systems (the Anderson-Darling interpolation fits 7 points with degree 2).
 */
export function polyfit(x: readonly number[], y: readonly number[], deg: number): number[] {
  const rows = x.length;
  const cols = deg + 1;
  const A: number[][] = x.map((xi) => Array.from({ length: cols }, (_, c) => xi ** (deg - c)));
  const scale = Array.from({ length: cols }, (_, c) =>
    Math.sqrt(A.reduce((s, row) => s + row[c]! * row[c]!, 0)),
  );
  for (const row of A) for (let c = 0; c < cols; c++) row[c] = row[c]! / scale[c]!;
  const b = [...y];
  for (let k = 0; k < cols; k++) {
    let norm = 0;
    for (let r = k; r < rows; r++) norm += A[r]![k]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = A[k]![k]! > 0 ? -norm : norm;
    const v = new Array<number>(rows).fill(0);
    for (let r = k; r < rows; r++) v[r] = A[r]![k]!;
    v[k] = v[k]! - alpha;
    let vv = 0;
    for (let r = k; r < rows; r++) vv += v[r]! ** 2;
    if (vv === 0) continue;
    for (let c = k; c < cols; c++) {
      let dot = 0;
      for (let r = k; r < rows; r++) dot += v[r]! * A[r]![c]!;
      const f = (2 * dot) / vv;
      for (let r = k; r < rows; r++) A[r]![c] = A[r]![c]! - f * v[r]!;
    }
    let dot = 0;
    for (let r = k; r < rows; r++) dot += v[r]! * b[r]!;
    const f = (2 * dot) / vv;
    for (let r = k; r < rows; r++) b[r] = b[r]! - f * v[r]!;
  }
  const coef = new Array<number>(cols).fill(0);
  for (let k = cols - 1; k >= 0; k--) {
    let s = b[k]!;
    for (let c = k + 1; c < cols; c++) s -= A[k]![c]! * coef[c]!;
    coef[k] = s / A[k]![k]!;
  }
  return coef.map((c, i) => c / scale[i]!);
}

/** Evaluates a polynomial with coefficients highest power first (`np.polyval`). */
export function polyval(coef: readonly number[], x: number): number {
  let y = 0;
  for (const c of coef) y = y * x + c;
  return y;
}
