import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** The content type of each kind of file Vite emits; a file of another kind is not served. */
const contentTypes: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};
const compressible = new Set(['.js', '.css', '.svg', '.json']);

/** One built asset, ready to send: its bytes, and gzipped when worth it. */
export interface UiAsset {
  contentType: string;
  body: Buffer;
  gzipped: Buffer | undefined;
}

/**
 * Where the built UI is by default: `dist/web/` beside the compiled server (`dist/server/ui/` → `dist/web/`);
 * when the server runs from its sources (`src/server/ui/`), the repository's `dist/web/`.
 */
export function defaultUiRoot(): string {
  const besideServer = fileURLToPath(new URL('../../web/', import.meta.url));
  if (existsSync(join(besideServer, 'index.html'))) return besideServer;
  return fileURLToPath(new URL('../../../dist/web/', import.meta.url));
}

/**
 * The built web UI in one folder (`index.html` + `assets/`). Asset names are looked up in the folder's
 * listing, never joined from request text, so no request can reach outside `assets/`. Assets are hashed and
 * immutable: each is read (and gzipped) once, then served from memory. A folder rebuilt while the server runs
 * is seen on the next request (index.html is read each time; an unknown name re-reads the listing).
 */
export class UiFiles {
  readonly #root: string;
  readonly #assets = new Map<string, UiAsset>();
  #listing: Set<string> | undefined;

  constructor(root: string) {
    this.#root = root;
  }

  /** index.html, or undefined when the UI is not built. */
  async indexHtml(): Promise<Buffer | undefined> {
    try {
      return await readFile(join(this.#root, 'index.html'));
    } catch {
      return undefined;
    }
  }

  /** A file of assets/ by its bare name (`index-C5MiDsDc.js`), or undefined when there is none. */
  async asset(name: string): Promise<UiAsset | undefined> {
    const cached = this.#assets.get(name);
    if (cached !== undefined) return cached;
    const type = contentTypes[extname(name)];
    if (type === undefined || !(await this.#listed(name))) return undefined;
    let body: Buffer;
    try {
      body = await readFile(join(this.#root, 'assets', name));
    } catch {
      return undefined;
    }
    const gzipped = compressible.has(extname(name)) && body.length > 1024 ? await gzipAsync(body) : undefined;
    const asset: UiAsset = { contentType: type, body, gzipped };
    this.#assets.set(name, asset);
    return asset;
  }

  async #listed(name: string): Promise<boolean> {
    if (this.#listing?.has(name) === true) return true;
    try {
      this.#listing = new Set(await readdir(join(this.#root, 'assets')));
    } catch {
      this.#listing = new Set();
    }
    return this.#listing.has(name);
  }
}
