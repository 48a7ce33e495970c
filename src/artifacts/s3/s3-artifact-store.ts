import { Readable, Transform } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BosunError, InvalidParameterError, NotFoundError } from '../../shared/index.js';
import { normaliseArtifactPath } from '../artifact-path.js';
import type {
  ArtifactEntry,
  ArtifactRead,
  ArtifactReadOptions,
  ByteRange,
  MultipartArtifactStore,
  MultipartUploadTarget,
  UploadedPart,
} from '../artifact-store.js';
import { checkByteRange, resolveByteRange } from '../byte-range.js';
import { isInvalidRange, isMissing, s3ErrorCode, storageError } from './s3-errors.js';
import type { S3Location } from './s3-uri.js';

/** Default bytes per part of a multipart upload (S3's minimum is 5 MiB). */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** Default parts in flight at once: an upload holds at most partSize × queueSize bytes in memory. */
export const DEFAULT_QUEUE_SIZE = 2;
/** How long a presigned part URL of a multipart upload stays valid (boto3's default, which MLflow uses). */
const PART_URL_SECONDS = 3600;
/** S3's bound on a key's length, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/** S3's bound on the parts of one upload. */
const MAX_PARTS = 10_000;
/** Answers to CompleteMultipartUpload that blame the parts the client listed. */
const BAD_PARTS = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'MalformedXML']);
/** Keys one DeleteObjects request may name. */
const DELETE_BATCH = 1000;
// eslint-disable-next-line no-control-regex
const XML_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

export interface S3ArtifactStoreOptions {
  client: S3Client;
  /** The bucket, and the key prefix the store's root maps to (`''`: the bucket's root). See `parseS3Uri`. */
  location: S3Location;
  /** Bytes per part of a multipart upload (default 8 MiB, at least 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once (default 2). */
  queueSize?: number;
}

/** A body stream whose own failure (a client that went away) is told apart from a storage failure. */
function watchedBody(body: NodeJS.ReadableStream): { stream: Readable; failure(): unknown } {
  let failure: unknown;
  async function* chunks(): AsyncGenerator<Buffer> {
    const source = body[Symbol.asyncIterator]();
    for (;;) {
      let step: IteratorResult<string | Buffer>;
      try {
        step = await source.next();
      } catch (error) {
        failure = error ?? new Error('upload stream failed');
        throw error;
      }
      if (step.done === true) return;
      yield typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), failure: () => failure };
}

/** The `Range` header of a checked range. */
function rangeHeader(range: ByteRange): string {
  return 'suffix' in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end ?? ''}`;
}

/** `bytes 10-19/100` → `{ start: 10, end: 19, total: 100 }`. */
function parseContentRange(header: string | undefined): { start: number; end: number; total: number } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? '');
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]), total: Number(match[3]) };
}

/** Passes on bytes `start..end` (inclusive) of a stream, for a server that answered a range with the whole file. */
function slice(stream: Readable, start: number, end: number): Readable {
  let offset = 0;
  const cut = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const from = Math.max(0, start - offset);
      const to = Math.min(chunk.length, end + 1 - offset);
      offset += chunk.length;
      done(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
  stream.on('error', (error) => cut.destroy(error));
  return stream.pipe(cut);
}

/** A listed name the store would accept back as one path segment (what the local store lists, too). */
function listable(name: string): boolean {
  if (name === '' || name.includes('/')) return false;
  try {
    return normaliseArtifactPath(name) === name;
  } catch {
    return false;
  }
}

/**
 * Artifacts in an S3-compatible bucket under a key prefix (`--artifacts-destination s3://bucket/prefix`). Every
 * path is validated with `normaliseArtifactPath` before it becomes a key, so client input cannot reach keys
 * outside the prefix; folders are key prefixes ending in '/', so `a/b` never reaches `a/b-c`.
 *
 * - `put` streams: a Buffer up to one part is one PutObject; anything else goes through a multipart upload
 *   (lib-storage `Upload`) holding at most `partSize × queueSize` bytes, and a failed upload is aborted, so
 *   readers see the old object or the whole new one. Like the local store, it refuses to write onto a folder or
 *   below a file.
 * - `get` streams the object, or a byte range of it.
 * - `list` pages through ListObjectsV2 (1,000 keys a page) with the '/' delimiter; names the store would refuse
 *   (`..`, backslashes, control characters) and folder markers are not listed.
 * - `delete` removes the object and every key below `path/`, 1,000 per DeleteObjects request.
 * - multipart uploads (`createMultipartUpload`...) hand out presigned part URLs (valid one hour) that clients
 *   upload to directly, as MLflow's server does for `mlflow-artifacts/mpu/...`.
 *
 * Example: `const store = new S3ArtifactStore({ client: createS3Client(settings),
 *                                              location: parseS3Uri('s3://ml/bosun') });
 *           await store.put('0/abc/artifacts/f.txt', Buffer.from('hi')); // key bosun/0/abc/artifacts/f.txt`
 */
export class S3ArtifactStore implements MultipartArtifactStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3ArtifactStoreOptions) {
    this.client = options.client;
    this.bucket = options.location.bucket;
    this.prefix = normaliseArtifactPath(options.location.prefix, { allowRoot: true });
    this.partSize = Math.max(5 * 1024 * 1024, options.partSize ?? DEFAULT_PART_SIZE);
    this.queueSize = Math.max(1, options.queueSize ?? DEFAULT_QUEUE_SIZE);
  }

  async put(path: string, body: NodeJS.ReadableStream | Buffer): Promise<void> {
    const rel = normaliseArtifactPath(path);
    const Key = this.objectKey(rel);
    await this.checkPlace(rel);
    if (Buffer.isBuffer(body) && body.length <= this.partSize) {
      await this.call(`write '${rel}'`, () =>
        this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentLength: body.length }),
        ),
      );
      return;
    }
    let Body: Buffer | Readable;
    let bodyFailure = (): unknown => undefined;
    if (Buffer.isBuffer(body)) Body = body;
    else {
      const watched = watchedBody(body);
      Body = watched.stream;
      bodyFailure = watched.failure;
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      const failure = bodyFailure();
      if (failure !== undefined) {
        const reason = failure instanceof Error ? failure.message : String(failure);
        throw new BosunError('BAD_REQUEST', `Upload of '${rel}' was interrupted: ${reason}`);
      }
      throw storageError(error, `write '${rel}'`, this.bucket);
    }
  }

  async get(path: string, options: ArtifactReadOptions = {}): Promise<ArtifactRead> {
    const rel = normaliseArtifactPath(path);
    const range = options.range;
    if (range) checkByteRange(range);
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(rel),
          ...(range ? { Range: rangeHeader(range) } : {}),
        }),
      );
    } catch (error) {
      if (isMissing(error)) throw notFound(rel);
      if (range && isInvalidRange(error)) {
        resolveByteRange(range, await this.sizeOf(rel));
      }
      throw storageError(error, `read '${rel}'`, this.bucket);
    }
    const body = out.Body;
    if (!(body instanceof Readable)) {
      throw new BosunError('INTERNAL_ERROR', `Artifact storage gave no readable body for '${rel}'`);
    }
    const length = out.ContentLength ?? 0;
    if (!range) return { stream: body, size: length };
    const served = parseContentRange(out.ContentRange);
    if (served !== null) return { stream: body, size: served.end - served.start + 1, range: served };
    // The server ignored the range and sent the whole object: cut it here.
    let span: { start: number; end: number };
    try {
      span = resolveByteRange(range, length);
    } catch (error) {
      body.destroy();
      throw error;
    }
    return {
      stream: slice(body, span.start, span.end),
      size: span.end - span.start + 1,
      range: { ...span, total: length },
    };
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const rel = normaliseArtifactPath(path, { allowRoot: true });
    const prefix = this.folderPrefix(rel);
    if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES) return [];
    const folders = new Set<string>();
    const files = new Map<string, number>();
    let token: string | undefined;
    do {
      const page = await this.call(`list '${rel}'`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            Delimiter: '/',
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const common of page.CommonPrefixes ?? []) {
        const name = (common.Prefix ?? '').slice(prefix.length, -1);
        if (listable(name)) folders.add(name);
      }
      for (const object of page.Contents ?? []) {
        const name = (object.Key ?? '').slice(prefix.length);
        if (listable(name)) files.set(name, object.Size ?? 0);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    const entries: ArtifactEntry[] = [...folders].map((name) => ({ path: name, isDir: true }));
    for (const [name, size] of files) {
      if (!folders.has(name)) entries.push({ path: name, isDir: false, fileSize: size });
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    const rel = normaliseArtifactPath(path);
    const below = this.folderPrefix(rel);
    if (Buffer.byteLength(this.key(rel), 'utf8') > MAX_KEY_BYTES) return;
    let token: string | undefined;
    do {
      const page = await this.call(`list '${rel}' for deletion`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: below,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      const keys = (page.Contents ?? [])
        .map((object) => object.Key)
        .filter((key): key is string => key?.startsWith(below) === true);
      for (let i = 0; i < keys.length; i += DELETE_BATCH)
        await this.deleteKeys(rel, keys.slice(i, i + DELETE_BATCH));
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    await this.call(`delete '${rel}'`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(rel) })),
    );
  }

  async createMultipartUpload(
    path: string,
    numParts: number,
  ): Promise<{ uploadId: string; parts: MultipartUploadTarget[] }> {
    const rel = normaliseArtifactPath(path);
    if (!Number.isSafeInteger(numParts) || numParts < 1 || numParts > MAX_PARTS) {
      throw new InvalidParameterError(`num_parts must be an integer from 1 to ${MAX_PARTS}, got ${numParts}`);
    }
    const Key = this.objectKey(rel);
    await this.checkPlace(rel);
    const created = await this.call(`start an upload of '${rel}'`, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key })),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined || uploadId === '') {
      throw new BosunError('INTERNAL_ERROR', `Artifact storage started no upload for '${rel}'`);
    }
    const parts: MultipartUploadTarget[] = [];
    for (let partNumber = 1; partNumber <= numParts; partNumber++) {
      const url = await getSignedUrl(
        this.client,
        new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: uploadId, PartNumber: partNumber }),
        { expiresIn: PART_URL_SECONDS },
      );
      parts.push({ partNumber, url, headers: {} });
    }
    return { uploadId, parts };
  }

  async completeMultipartUpload(
    path: string,
    uploadId: string,
    parts: readonly UploadedPart[],
  ): Promise<void> {
    const rel = normaliseArtifactPath(path);
    checkUploadId(uploadId);
    if (parts.length === 0 || parts.length > MAX_PARTS) {
      throw new InvalidParameterError(`parts must list 1 to ${MAX_PARTS} uploaded parts`);
    }
    let previous = 0;
    for (const part of parts) {
      if (
        !Number.isSafeInteger(part.partNumber) ||
        part.partNumber <= previous ||
        part.partNumber > MAX_PARTS
      ) {
        throw new InvalidParameterError('parts must have increasing part numbers from 1 to 10000');
      }
      if (typeof part.etag !== 'string' || part.etag === '') {
        throw new InvalidParameterError(`part ${part.partNumber} has no etag`);
      }
      previous = part.partNumber;
    }
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(rel),
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    } catch (error) {
      const code = s3ErrorCode(error);
      if (code === 'NoSuchUpload')
        throw new NotFoundError(`No multipart upload '${uploadId}' of '${rel}' is in progress`);
      if (code !== undefined && BAD_PARTS.has(code)) {
        throw new InvalidParameterError(
          `Cannot complete the upload of '${rel}': the storage refused its parts (${code})`,
        );
      }
      throw storageError(error, `complete the upload of '${rel}'`, this.bucket);
    }
  }

  async abortMultipartUpload(path: string, uploadId: string): Promise<void> {
    const rel = normaliseArtifactPath(path);
    checkUploadId(uploadId);
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(rel),
          UploadId: uploadId,
        }),
      );
    } catch (error) {
      if (isMissing(error)) return;
      throw storageError(error, `abort the upload of '${rel}'`, this.bucket);
    }
  }

  /** The object key of a canonical path. */
  private key(rel: string): string {
    return this.prefix === '' ? rel : rel === '' ? this.prefix : `${this.prefix}/${rel}`;
  }

  /** The key of a file to read or write; a path too long for an S3 key (1,024 bytes) is the client's error. */
  private objectKey(rel: string): string {
    const key = this.key(rel);
    if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
      throw new InvalidParameterError(
        `Invalid path: '${rel.length > 200 ? `${rel.slice(0, 200)}...` : rel}' is too long: S3 keys ` +
          `(with the prefix '${this.prefix}') are at most ${MAX_KEY_BYTES} bytes`,
      );
    }
    return key;
  }

  /** The key prefix of everything inside a folder (`''` for the root of a store on a whole bucket). */
  private folderPrefix(rel: string): string {
    const key = this.key(rel);
    return key === '' ? '' : `${key}/`;
  }

  private async deleteKeys(rel: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    // A key with characters XML 1.0 cannot carry (control characters) breaks a DeleteObjects request: delete
    // such keys one by one, by URL.
    const plain = keys.filter((key) => !XML_UNSAFE.test(key));
    for (const Key of keys.filter((key) => XML_UNSAFE.test(key))) {
      await this.call(`delete '${rel}'`, () =>
        this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })),
      );
    }
    if (plain.length === 0) return;
    const out = await this.call(`delete '${rel}'`, () =>
      this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: plain.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
    const failed = out.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new BosunError(
        'INTERNAL_ERROR',
        `Artifact storage could not delete ${failed.length} object(s) under '${rel}' in bucket '${this.bucket}' ` +
          `(${first?.Code ?? 'error'} on ${first?.Key ?? '?'})`,
      );
    }
  }

  /** Refuses a write onto a folder (keys below `rel/`) or below a file (an ancestor that is an object). */
  private async checkPlace(rel: string): Promise<void> {
    const segments = rel.split('/');
    const ancestors = segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
    const [folder, ...files] = await Promise.all([
      this.call(`check '${rel}'`, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.folderPrefix(rel), MaxKeys: 1 }),
        ),
      ).then((page) => (page.Contents ?? []).length > 0),
      ...ancestors.map((ancestor) => this.exists(ancestor)),
    ]);
    if (folder) throw new InvalidParameterError(`Cannot write '${rel}': a folder exists there`);
    if (files.some((file) => file))
      throw new InvalidParameterError(`Cannot write '${rel}': a file is in the way`);
  }

  private async exists(rel: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw storageError(error, `check '${rel}'`, this.bucket);
    }
  }

  private async sizeOf(rel: string): Promise<number> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) throw notFound(rel);
      throw storageError(error, `read '${rel}'`, this.bucket);
    }
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw storageError(error, action, this.bucket);
    }
  }
}

/** An upload id as S3 hands them out: printable, no separators that could change the request. */
function checkUploadId(uploadId: string): void {
  if (typeof uploadId !== 'string' || !/^[\x21-\x7e]{1,1024}$/.test(uploadId)) {
    throw new InvalidParameterError('upload_id must be the id that mpu/create returned');
  }
}

function notFound(rel: string): NotFoundError {
  return new NotFoundError(`Artifact '${rel}' does not exist`);
}
