import { Readable } from 'node:stream';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  LocalArtifactStore,
  S3ArtifactStore,
  createS3Client,
  isS3Uri,
  localPathOf,
  parseS3Uri,
  type ArtifactStore,
  type S3Location,
} from '../artifacts/index.js';
import { InvalidParameterError, NotFoundError, loadS3Settings } from '../shared/index.js';
import type { ArtifactFile } from './import-source.js';

const storeSpace = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/i;

/** `p` without leading and trailing slashes. */
function trimmed(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}

/**
 * The artifact root of an MLflow server, read-only, for `bosun import --from-db`: the folder or `s3://bucket/prefix`
 * the MLflow server stored artifacts in (its `--artifacts-destination`, where `mlflow-artifacts:/` URIs point, or
 * its `--default-artifact-root`). A run's or logged model's artifact location, as MLflow's database holds it, is
 * read from this root: `mlflow-artifacts:/1/<run>/artifacts` as `1/<run>/artifacts` under it, and a path,
 * `file://` or `s3://` location only when it lies inside it. Nothing outside the root is ever read (the local
 * store resolves links and refuses what leads out), and nothing is written: a missing folder lists as empty.
 *
 * Example: `const root = openArtifactRoot('/srv/mlartifacts', process.env);
 *           for await (const f of root.files('mlflow-artifacts:/1/ab12/artifacts')) console.log(f.path);`
 */
export class ArtifactRootReader {
  private constructor(
    readonly location: string,
    private readonly store: ArtifactStore,
    private readonly inside: (location: string) => string | undefined,
    private readonly release: () => void,
  ) {}

  /** Opens `root`: an absolute folder (or `file://` URI) or `s3://bucket/prefix` (S3 settings from `env`). */
  static open(root: string, env: NodeJS.ProcessEnv): ArtifactRootReader {
    if (isS3Uri(root)) {
      let location: S3Location;
      try {
        location = parseS3Uri(root);
      } catch (error) {
        throw new InvalidParameterError(
          `Invalid --artifact-root '${root}': ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const client = createS3Client(loadS3Settings(env));
      return new ArtifactRootReader(
        root,
        new S3ArtifactStore({ client, location }),
        (uri) => {
          if (!isS3Uri(uri)) return undefined;
          let at: S3Location;
          try {
            at = parseS3Uri(uri);
          } catch {
            return undefined;
          }
          if (at.bucket !== location.bucket) return undefined;
          if (location.prefix === '') return at.prefix;
          if (at.prefix === location.prefix) return '';
          return at.prefix.startsWith(`${location.prefix}/`)
            ? at.prefix.slice(location.prefix.length + 1)
            : undefined;
        },
        () => client.destroy(),
      );
    }
    const folder = localPathOf(root) ?? (/^[a-z][a-z0-9+.-]*:/i.test(root) ? null : resolve(root));
    if (folder === null) {
      throw new InvalidParameterError(
        `Invalid --artifact-root '${root}': expected a folder or s3://bucket/prefix`,
      );
    }
    return new ArtifactRootReader(
      root,
      new LocalArtifactStore(folder, { createRoot: false, shared: true }),
      (uri) => {
        const path = localPathOf(uri);
        if (path === null) return undefined;
        const rel = relative(resolve(folder), resolve(path));
        if (rel === '') return '';
        if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
        return rel.split(sep).join('/');
      },
      () => undefined,
    );
  }

  /**
   * Where an artifact location of MLflow's database sits in this root (a path relative to it, `''` for the root
   * itself), or `undefined` when it lies outside it.
   */
  pathOf(location: string): string | undefined {
    const served = storeSpace.exec(location);
    if (served) return trimmed(served[1] ?? '');
    const inside = this.inside(location);
    return inside === undefined ? undefined : trimmed(inside);
  }

  /** The root-relative path of `location`, or a `NotFoundError` that says why it cannot be read. */
  private base(location: string): string {
    const base = this.pathOf(location);
    if (base === undefined) {
      throw new NotFoundError(
        `its artifact location ${location} is not inside --artifact-root ${this.location}; copy it with your storage tools`,
      );
    }
    return base;
  }

  /** Every file under an artifact location, folders listed one at a time; paths are relative to the location. */
  async *files(location: string): AsyncGenerator<ArtifactFile> {
    const base = this.base(location);
    const folders = [''];
    while (folders.length > 0) {
      const folder = folders.shift() ?? '';
      const listed = await this.store.list([base, folder].filter((p) => p !== '').join('/'));
      for (const entry of listed) {
        const path = folder === '' ? entry.path : `${folder}/${entry.path}`;
        if (entry.isDir) folders.push(path);
        else yield { path, size: entry.fileSize };
      }
    }
  }

  /** Opens one file under an artifact location for reading, streamed. */
  async open(location: string, path: string): Promise<Readable> {
    const base = this.base(location);
    const { stream } = await this.store.get([base, path].filter((p) => p !== '').join('/'));
    return stream instanceof Readable ? stream : Readable.from(stream);
  }

  /** Releases connections (the S3 client's sockets). */
  close(): void {
    this.release();
  }
}
