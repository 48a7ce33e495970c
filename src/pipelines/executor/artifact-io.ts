import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline as pipe } from 'node:stream/promises';
import type { ArtifactRoots } from '../../artifacts/index.js';

/**
 * Copies between a step's local work folder and the artifact store, through the artifact root of an MLflow run
 * (`ArtifactRoots.open(run.info.artifactUri)`): outputs go up after a step, inputs come down before one. A file
 * stays a file, a folder keeps its tree. Artifacts are passed by reference (the URI of the producing run's
 * artifact), so nothing is copied between steps but the bytes a step reads.
 */
export class ArtifactIo {
  constructor(private readonly roots: ArtifactRoots) {}

  /** Uploads a local file or folder to `<artifactUri>/<path>`. */
  async upload(localPath: string, artifactUri: string, path: string): Promise<void> {
    const root = this.roots.open(artifactUri);
    const info = await stat(localPath);
    const join2 = (a: string, b: string) => (a === '' ? b : `${a}/${b}`);
    if (info.isFile()) {
      await root.store.put(join2(root.path, path), createReadStream(localPath));
      return;
    }
    for (const entry of await readdir(localPath, { withFileTypes: true })) {
      const full = join(localPath, entry.name);
      if (entry.isDirectory() || entry.isFile())
        await this.upload(full, artifactUri, `${path}/${entry.name}`);
    }
  }

  /** Uploads text (a log, a requirements list) to `<artifactUri>/<path>`. */
  async uploadText(text: string | Buffer, artifactUri: string, path: string): Promise<void> {
    const root = this.roots.open(artifactUri);
    await root.store.put(root.path === '' ? path : `${root.path}/${path}`, Buffer.from(text));
  }

  /**
   * Downloads the artifact at `uri` (a run's artifact URI followed by `/path`, as `reference` makes it) to
   * `localPath`: a file, or a folder when the artifact is one.
   */
  async download(reference: { runArtifactUri: string; path: string }, localPath: string): Promise<void> {
    const root = this.roots.open(reference.runArtifactUri);
    const storePath = root.path === '' ? reference.path : `${root.path}/${reference.path}`;
    const children = await root.store.list(storePath);
    if (children.length === 0) {
      await mkdir(dirname(localPath), { recursive: true });
      const read = await root.store.get(storePath);
      await pipe(read.stream, createWriteStream(localPath));
      return;
    }
    await mkdir(localPath, { recursive: true });
    for (const child of children) {
      await this.download(
        { runArtifactUri: reference.runArtifactUri, path: `${reference.path}/${child.path}` },
        join(localPath, child.path),
      );
    }
  }
}
