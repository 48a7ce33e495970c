/** Series colours readable on both themes' backgrounds (Tableau 10), shared by the line charts and the compare view. */
export const palette = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** The colour of the i-th series. */
export const colourOf = (i: number): string => palette[i % palette.length] ?? '#4e79a7';
