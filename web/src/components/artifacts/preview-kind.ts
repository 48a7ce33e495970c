/** How the artifact browser shows a file, chosen from its name. */
export type PreviewKind = 'mlmodel' | 'json' | 'yaml' | 'csv' | 'tsv' | 'image' | 'html' | 'text';

const images: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
};

function extension(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** The preview of a file: `model/MLmodel` ⇒ 'mlmodel', `a.yml` ⇒ 'yaml', anything unknown ⇒ 'text'. */
export function previewKind(path: string): PreviewKind {
  if (path === 'MLmodel' || path.endsWith('/MLmodel')) return 'mlmodel';
  const ext = extension(path);
  if (ext === 'json') return 'json';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv') return 'tsv';
  if (ext === 'html' || ext === 'htm') return 'html';
  if (ext in images) return 'image';
  return 'text';
}

/** The MIME type an image file is shown with (the server sends every artifact as octet-stream). */
export function imageType(path: string): string {
  return images[extension(path)] ?? 'application/octet-stream';
}

/** "2.6 MB", "812 B". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
