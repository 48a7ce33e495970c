import type { Attempt, LaunchDeps } from '../executor/step-launcher.js';
import { codeBundlePath, packCodeFolder } from './code-bundle.js';

/** Where a worker finds a pipeline run's code: an artifact of the pipeline run, named by its digest. */
export interface CodeBundleRef {
  digest: string;
  runArtifactUri: string;
  path: string;
}

/** The default cap on a shipped code folder (`--code-bundle-max-mb`): 100 MB. */
export const DEFAULT_CODE_BUNDLE_MAX_BYTES = 100 * 1024 * 1024;

/** How many pipeline runs' bundles a server remembers (a run's next attempts reuse its bundle). */
const REMEMBERED_RUNS = 256;

/**
 * The server's side of shipping code to workers: the first attempt of a pipeline run packs the run's code folder
 * once (`packCodeFolder`) and stores it as an artifact of the pipeline run (`bosun/code/<sha256>.tar.gz`, beside
 * its other artifacts: the code that ran is kept with the run); every attempt of that run names the same bundle,
 * so its steps see one snapshot of the code even when the folder changes during the run. A resume after a restart
 * packs again (a new digest if the code changed).
 */
export class CodeShipping {
  readonly #maxBytes: number;
  readonly #byRun = new Map<string, Promise<CodeBundleRef>>();

  constructor(options: { maxBytes?: number } = {}) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_CODE_BUNDLE_MAX_BYTES;
  }

  /** The bundle of an attempt's pipeline run, packed and stored on first use. Rejects with a CodeBundleError. */
  bundleFor(deps: Pick<LaunchDeps, 'tracking' | 'artifacts'>, attempt: Attempt): Promise<CodeBundleRef> {
    const key = `${attempt.parentRunId}\0${attempt.codeDir}`;
    const known = this.#byRun.get(key);
    if (known !== undefined) return known;
    const made = (async () => {
      const bundle = await packCodeFolder(attempt.codeDir, this.#maxBytes);
      const parent = await deps.tracking.getRun(attempt.parentRunId);
      const path = codeBundlePath(bundle.digest);
      await deps.artifacts.uploadText(bundle.bytes, parent.info.artifactUri, path);
      return { digest: bundle.digest, runArtifactUri: parent.info.artifactUri, path };
    })();
    this.#byRun.set(key, made);
    // A failure is not remembered: the retry packs again (the folder may have been fixed).
    made.catch(() => this.#byRun.delete(key));
    if (this.#byRun.size > REMEMBERED_RUNS) {
      const oldest = this.#byRun.keys().next().value;
      if (oldest !== undefined) this.#byRun.delete(oldest);
    }
    return made;
  }
}
