import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactIo } from '../executor/artifact-io.js';
import { unpackCodeBundle } from './code-bundle.js';
import type { CodeBundleRef } from './code-shipping.js';

/**
 * A worker's cache of shipped code: `<workRoot>/code/<digest>/`, one folder per bundle, fetched from the artifact
 * store the first time an attempt needs it and reused by every later attempt (of any run) with the same digest.
 * Attempts that need the same bundle at the same time share one download.
 */
export class CodeCache {
  readonly #dir: string;
  readonly #artifacts: ArtifactIo;
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(dir: string, artifacts: ArtifactIo) {
    this.#dir = dir;
    this.#artifacts = artifacts;
  }

  /** The folder holding the bundle's files (downloaded, checked against its digest and unpacked if need be). */
  folderFor(ref: CodeBundleRef): Promise<string> {
    const target = join(this.#dir, ref.digest);
    const running = this.#inFlight.get(ref.digest);
    if (running !== undefined) return running;
    const made = (async () => {
      if ((await lstat(target).catch(() => undefined)) !== undefined) return target;
      await mkdir(this.#dir, { recursive: true });
      const archive = join(this.#dir, `.download-${randomBytes(6).toString('hex')}.tar.gz`);
      try {
        await this.#artifacts.download({ runArtifactUri: ref.runArtifactUri, path: ref.path }, archive);
        return await unpackCodeBundle(this.#dir, ref.digest, await readFile(archive));
      } finally {
        await rm(archive, { force: true });
      }
    })();
    this.#inFlight.set(ref.digest, made);
    void made.finally(() => this.#inFlight.delete(ref.digest)).catch(() => undefined);
    return made;
  }
}
