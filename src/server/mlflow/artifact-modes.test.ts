import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { UserService } from '../../security/users/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { startServer, type RunningServer } from '../start-server.js';
import { testPasswordHashing, testStartOptions } from '../test-support/test-start-options.js';

const passwords = {
  admin: 'Admin-Strong-Pass-42',
  alice: 'Alice-Strong-Pass-42',
  bob: 'Bob-Strong-Pass-4242',
};
type Who = keyof typeof passwords;

interface Answer {
  status: number;
  json: Record<string, unknown>;
  body: Buffer;
}

const api = '/api/2.0/mlflow';
const ajax = '/ajax-api/2.0/mlflow';
const modes = ['proxied', 'file-root'] as const;

const cases = testEngines.flatMap((engine) => modes.map((mode) => [engine, mode] as const));

describe.each(cases)(
  'artifact routes of the tracking API and the web UI, on %s, %s artifacts',
  (engine, mode) => {
    let db: TestDatabase;
    let dir: string;
    let fileRoot: string;
    let lenient: RunningServer; // signed-in users READ everything without a grant
    let strict: RunningServer; // same database, NO_PERMISSIONS without a grant
    let experimentId: string;
    let runId: string;
    let runRoot: string;
    let modelId: string;
    let modelRoot: string;

    function call(server: RunningServer) {
      return async (
        who: Who,
        method: string,
        path: string,
        body?: unknown,
        contentType = 'application/json',
      ): Promise<Answer> => {
        const headers: Record<string, string> = {
          authorization: `Basic ${Buffer.from(`${who}:${passwords[who]}`).toString('base64')}`,
        };
        let payload: string | Buffer | undefined;
        if (body !== undefined) {
          headers['content-type'] = contentType;
          payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
        }
        const res = await fetch(server.address + path, {
          method,
          headers,
          ...(payload !== undefined ? { body: payload } : {}),
        });
        const bytes = Buffer.from(await res.arrayBuffer());
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
        } catch {
          json = {};
        }
        return { status: res.status, json, body: bytes };
      };
    }
    const as = (who: Who, method: string, path: string, body?: unknown, type?: string) =>
      call(lenient)(who, method, path, body, type);

    /** Puts a file below an artifact root the way a client does in this mode: through the proxy, or on disk. */
    async function place(root: string, rel: string, content: string): Promise<void> {
      if (mode === 'proxied') {
        const path = root.replace(/^mlflow-artifacts:\//, '');
        const res = await as(
          'alice',
          'PUT',
          `/api/2.0/mlflow-artifacts/artifacts/${path}/${rel}`,
          content,
          'text/plain',
        );
        expect(res.status).toBe(200);
        return;
      }
      const file = join(root.replace(/^file:\/\//, ''), rel);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }

    beforeAll(async () => {
      db = await openTestDatabase(engine);
      dir = await mkdtemp(join(tmpdir(), 'bosun-artifact-modes-'));
      fileRoot = join(dir, 'mlruns');
      const users = new UserService({ handle: db.handle, scrypt: testPasswordHashing });
      await users.bootstrapAdmin('admin', passwords.admin);
      await users.createUser({ username: 'alice', password: passwords.alice });
      await users.createUser({ username: 'bob', password: passwords.bob });
      const configFor = (defaultPermission: string) => ({
        ...loadServerConfig(
          {
            port: 0,
            backendStoreUri: db.uri,
            artifactsDestination: join(dir, 'artifacts'),
            logLevel: 'silent',
            authEnabled: true,
            defaultPermission,
            ...(mode === 'file-root'
              ? { serveArtifacts: false, defaultArtifactRoot: `file://${fileRoot}` }
              : {}),
          },
          {},
        ),
      });
      lenient = await startServer(configFor('READ'), testStartOptions);
      strict = await startServer(configFor('NO_PERMISSIONS'), testStartOptions);

      const made = await as('alice', 'POST', `${api}/experiments/create`, {
        name: `modes-${engine}-${mode}`,
      });
      expect(made.status).toBe(200);
      experimentId = String(made.json.experiment_id);
      const run = await as('alice', 'POST', `${api}/runs/create`, { experiment_id: experimentId });
      const info = (run.json.run as { info: { run_id: string; artifact_uri: string } }).info;
      runId = info.run_id;
      runRoot = info.artifact_uri;
      await place(runRoot, 'a.txt', 'aaa');
      await place(runRoot, 'dir/b.txt', 'bb');
      const model = await as('alice', 'POST', `${api}/logged-models`, {
        experiment_id: experimentId,
        name: 'm',
      });
      expect(model.status).toBe(200);
      const modelInfo = (model.json.model as { info: { model_id: string; artifact_uri: string } }).info;
      modelId = modelInfo.model_id;
      modelRoot = modelInfo.artifact_uri;
      await place(modelRoot, 'MLmodel', 'flavors: {}');
      await place(modelRoot, 'data/model.pkl', 'pickle');
    });

    afterAll(async () => {
      await lenient?.close();
      await strict?.close();
      await db?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    it('gives the Default experiment <default artifact root>/0, and experiments a location under the root', async () => {
      const zero = await as('admin', 'GET', `${api}/experiments/get?experiment_id=0`);
      const expected = mode === 'proxied' ? 'mlflow-artifacts:/0' : `file://${fileRoot}/0`;
      expect((zero.json.experiment as { artifact_location: string }).artifact_location).toBe(expected);
      expect(runRoot).toBe(
        mode === 'proxied'
          ? `mlflow-artifacts:/${experimentId}/${runId}/artifacts`
          : `file://${fileRoot}/${experimentId}/${runId}/artifacts`,
      );
      const defaultRun = await as('admin', 'POST', `${api}/runs/create`, {});
      const uri = (defaultRun.json.run as { info: { artifact_uri: string } }).info.artifact_uri;
      expect(uri.startsWith(`${expected}/`)).toBe(true);
    });

    it('resolves a relative experiment location against the server’s working directory, then applies its rules', async () => {
      const name = `relative-${engine}-${mode}`;
      const made = await as('alice', 'POST', `${api}/experiments/create`, {
        name,
        artifact_location: `my_location_${engine}`,
      });
      const resolved = join(process.cwd(), `my_location_${engine}`);
      if (mode === 'file-root') {
        expect(made.status).toBe(200);
        const got = await as(
          'alice',
          'GET',
          `${api}/experiments/get?experiment_id=${String(made.json.experiment_id)}`,
        );
        expect((got.json.experiment as { artifact_location: string }).artifact_location).toBe(resolved);
      } else {
        // While serving artifacts, locations must be inside the store: the resolved folder is not.
        expect(made.status).toBe(400);
        expect(made.json.error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(made.json.message).toContain(`'${resolved}'`);
      }
      expect(existsSync(resolved)).toBe(false);
    });

    it('lists a run’s artifacts (tracking API and web UI), relative to the run’s root', async () => {
      for (const prefix of [api, ajax]) {
        const top = await as('bob', 'GET', `${prefix}/artifacts/list?run_id=${runId}`);
        expect(top.status).toBe(200);
        expect(top.json).toEqual({
          root_uri: runRoot,
          files: [
            { path: 'a.txt', is_dir: false, file_size: 3 },
            { path: 'dir', is_dir: true },
          ],
        });
        const nested = await as('bob', 'GET', `${prefix}/artifacts/list?run_id=${runId}&path=dir`);
        expect(nested.json).toEqual({
          root_uri: runRoot,
          files: [{ path: 'dir/b.txt', is_dir: false, file_size: 2 }],
        });
        const empty = await as('bob', 'GET', `${prefix}/artifacts/list?run_id=${runId}&path=nothing`);
        expect(empty.json).toEqual({ root_uri: runRoot });
      }
    });

    it('answers 400 "Invalid path" for paths leaving the root, on every route', async () => {
      for (const path of [
        `${api}/artifacts/list?run_id=${runId}&path=../path`,
        `${api}/artifacts/list?run_id=${runId}&path=%2e%2e/x`,
        `/get-artifact?run_id=${runId}&path=../a.txt`,
        `/get-artifact?run_id=${runId}&path=/etc/passwd`,
        `${api}/logged-models/${modelId}/artifacts/directories?artifact_directory_path=../x`,
        `${ajax}/logged-models/${modelId}/artifacts/files?artifact_file_path=../../x`,
      ]) {
        const res = await as('alice', 'GET', path);
        expect({ path, status: res.status, code: res.json.error_code }).toEqual({
          path,
          status: 400,
          code: 'INVALID_PARAMETER_VALUE',
        });
        expect(res.json.message).toBe('Invalid path'); // MLflow's whole message; its tests compare the body
      }
      const upload = await as(
        'alice',
        'POST',
        `${ajax}/upload-artifact?run_uuid=${runId}&path=../x.txt`,
        'x',
        'text/plain',
      );
      expect(upload.status).toBe(400);
      expect(upload.json.message).toBe('Invalid path');
    });

    it('downloads one file of a run with /get-artifact', async () => {
      const file = await as('bob', 'GET', `/get-artifact?run_id=${runId}&path=dir/b.txt`);
      expect(file.status).toBe(200);
      expect(file.body.toString()).toBe('bb');
      const legacy = await as('bob', 'GET', `/get-artifact?run_uuid=${runId}&path=a.txt`);
      expect(legacy.body.toString()).toBe('aaa');
      expect((await as('bob', 'GET', `/get-artifact?run_id=${runId}&path=missing.txt`)).status).toBe(404);
      const noPath = await as('bob', 'GET', `/get-artifact?run_id=${runId}`);
      expect({ status: noPath.status, code: noPath.json.error_code }).toEqual({
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      });
      expect((await as('bob', 'GET', `/get-artifact?run_id=${'f'.repeat(32)}&path=a.txt`)).status).toBe(404);
    });

    it('uploads one file to a run with upload-artifact (EDIT on the experiment), within MLflow’s limits', async () => {
      const up = await as(
        'alice',
        'POST',
        `${ajax}/upload-artifact?run_uuid=${runId}&path=up/c.json`,
        '{"c":1}',
      );
      expect(up.status).toBe(200);
      expect((await as('alice', 'GET', `/get-artifact?run_id=${runId}&path=up/c.json`)).body.toString()).toBe(
        '{"c":1}',
      );
      if (mode === 'file-root') {
        const onDisk = join(runRoot.replace(/^file:\/\//, ''), 'up', 'c.json');
        expect(await readFile(onDisk, 'utf8')).toBe('{"c":1}');
      }
      const refused = async (query: string, body: string | Buffer, message: string): Promise<void> => {
        const res = await as(
          'alice',
          'POST',
          `${ajax}/upload-artifact?${query}`,
          body,
          'application/octet-stream',
        );
        expect({ status: res.status, code: res.json.error_code, message: res.json.message }).toEqual({
          status: 400,
          code: 'INVALID_PARAMETER_VALUE',
          message,
        });
      };
      await refused('path=x.txt', 'x', 'Request must specify run_uuid.');
      await refused(`run_uuid=${runId}`, 'x', 'Request must specify path.');
      await refused(`run_uuid=${runId}&path=empty.txt`, '', 'Request must specify data.');
      await refused(
        `run_uuid=${runId}&path=big.bin`,
        Buffer.alloc(10 * 1024 * 1024 + 1),
        'Artifact size is too large. Max size is 10MB.',
      );
      expect(
        (await as('bob', 'POST', `${ajax}/upload-artifact?run_uuid=${runId}&path=bob.txt`, 'b', 'text/plain'))
          .status,
      ).toBe(403);
    });

    it('lists and downloads a logged model’s artifacts', async () => {
      for (const prefix of [api, ajax]) {
        const top = await as('bob', 'GET', `${prefix}/logged-models/${modelId}/artifacts/directories`);
        expect(top.status).toBe(200);
        expect(top.json).toEqual({
          root_uri: modelRoot,
          files: [
            { path: 'MLmodel', is_dir: false, file_size: 11 },
            { path: 'data', is_dir: true },
          ],
        });
        const data = await as(
          'bob',
          'GET',
          `${prefix}/logged-models/${modelId}/artifacts/directories?artifact_directory_path=data`,
        );
        expect(data.json.files).toEqual([{ path: 'data/model.pkl', is_dir: false, file_size: 6 }]);
      }
      const file = await as(
        'bob',
        'GET',
        `${ajax}/logged-models/${modelId}/artifacts/files?artifact_file_path=data/model.pkl`,
      );
      expect(file.status).toBe(200);
      expect(file.body.toString()).toBe('pickle');
      const noPath = await as('bob', 'GET', `${ajax}/logged-models/${modelId}/artifacts/files`);
      expect({ status: noPath.status, code: noPath.json.error_code, message: noPath.json.message }).toEqual({
        status: 400,
        code: 'BAD_REQUEST',
        message: 'Request must include the "artifact_file_path" query parameter.',
      });
      expect(
        (await as('bob', 'GET', `${api}/logged-models/m-${'0'.repeat(32)}/artifacts/directories`)).status,
      ).toBe(404);
    });

    it('refuses every new route to a user who may not read the experiment', async () => {
      const strictly = call(strict);
      for (const path of [
        `${api}/artifacts/list?run_id=${runId}`,
        `${ajax}/artifacts/list?run_id=${runId}`,
        `/get-artifact?run_id=${runId}&path=a.txt`,
        `${api}/logged-models/${modelId}/artifacts/directories`,
        `${ajax}/logged-models/${modelId}/artifacts/files?artifact_file_path=MLmodel`,
      ]) {
        expect({ path, status: (await strictly('bob', 'GET', path)).status }).toEqual({ path, status: 403 });
        expect({ path, status: (await strictly('alice', 'GET', path)).status }).toEqual({
          path,
          status: 200,
        });
      }
    });

    // Only clients writing to a file:// root can place links in a run's folder: the case exists in that mode only.
    if (mode === 'file-root') {
      it('never follows a link out of the experiment’s folder (file root)', async () => {
        const root = runRoot.replace(/^file:\/\//, '');
        const secret = join(dir, 'secret.txt');
        await writeFile(secret, 'secret');
        await symlink(secret, join(root, 'leak.txt'));
        await symlink(dirname(secret), join(root, 'leak-dir'));
        const listed = await as('alice', 'GET', `${api}/artifacts/list?run_id=${runId}`);
        expect((listed.json.files as { path: string }[]).map((f) => f.path)).not.toContain('leak.txt');
        expect((listed.json.files as { path: string }[]).map((f) => f.path)).not.toContain('leak-dir');
        expect((await as('alice', 'GET', `/get-artifact?run_id=${runId}&path=leak.txt`)).status).toBe(400);
        expect((await as('alice', 'GET', `${api}/artifacts/list?run_id=${runId}&path=leak-dir`)).status).toBe(
          400,
        );
        const up = await as(
          'alice',
          'POST',
          `${ajax}/upload-artifact?run_uuid=${runId}&path=leak-dir/x.txt`,
          'x',
          'text/plain',
        );
        expect(up.status).toBe(400);
        expect(existsSync(join(dir, 'x.txt'))).toBe(false);
      });
    }
  },
);
