import { Transform, type Readable } from 'node:stream';
import { BosunClientError } from '../client/index.js';
import { BosunError } from '../shared/index.js';
import type { ImportContext } from './import-context.js';
import { isFatal } from './import-errors.js';
import type { ArtifactFile } from './import-source.js';
import { proxyPathOf } from './import-target.js';

/** Where files come from and go to: one run's or logged model's artifact root on each side. */
export interface ArtifactCopy {
  /** `run <id>` or `logged model <id>`, for the report. */
  what: string;
  files: () => AsyncGenerator<ArtifactFile>;
  download: (path: string) => Promise<Readable>;
  /** The root the target gave the run or logged model (`mlflow-artifacts:/3/<run>/artifacts`). */
  targetArtifactUri: string;
  /** False for a run the target has just created: nothing can be there yet, so there is nothing to list. */
  targetMayHaveFiles: boolean;
}

const attempts = 3;

/** Counts the bytes that pass through. */
function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

/** True for failures that say something about this file (kept as a skip), not about the servers. */
function fileLevel(error: unknown): error is Error {
  return (error instanceof BosunClientError || error instanceof BosunError) && !isFatal(error);
}

/**
 * Copies every file of one artifact root from the source to the target, streamed: each download is piped into
 * its upload, so memory stays flat whatever the file size. Files already on the target with the same size are
 * left alone (a repeated or resumed import copies only what is missing, and never touches the files of a model
 * version registered in between, which the target keeps immutable). Returns false when something was skipped.
 */
export async function copyArtifacts(ctx: ImportContext, copy: ArtifactCopy): Promise<boolean> {
  const root = proxyPathOf(copy.targetArtifactUri);
  if (root === undefined) {
    ctx.report.skip(
      `${copy.what} artifacts`,
      `the target stores them at ${copy.targetArtifactUri}, which it does not serve through its artifact proxy ` +
        '(a server started with --no-serve-artifacts); copy them with your storage tools',
    );
    return false;
  }
  const present = copy.targetMayHaveFiles
    ? await ctx.target.artifactsUnder(root)
    : new Map<string, number | undefined>();
  let complete = true;
  let files: AsyncGenerator<ArtifactFile>;
  try {
    files = copy.files();
    for await (const file of files) {
      if (present.has(file.path) && (file.size === undefined || present.get(file.path) === file.size)) {
        ctx.report.add('artifactFilesPresent');
        continue;
      }
      for (let attempt = 1; ; attempt++) {
        let bytes = 0;
        try {
          const body = await copy.download(file.path);
          const counted = body.pipe(counter((n) => (bytes += n)));
          body.on('error', (error) => counted.destroy(error));
          await ctx.target.uploadArtifact(root, file, counted);
          ctx.report.add('artifactFiles');
          ctx.report.add('artifactBytes', bytes);
          break;
        } catch (error) {
          if (fileLevel(error) || attempt >= attempts) {
            if (!fileLevel(error)) throw error;
            ctx.report.skip(`${copy.what} artifact '${file.path}'`, error.message);
            complete = false;
            break;
          }
        }
      }
      ctx.progress.tick();
    }
  } catch (error) {
    if (!fileLevel(error)) throw error;
    ctx.report.skip(`${copy.what} artifacts`, `the source could not list them: ${error.message}`);
    return false;
  }
  return complete;
}
