import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A FAKE of the Kubernetes API server, for tests: no cluster can run on this machine, so this small real HTTP
 * server implements exactly the calls the Kubernetes executor makes, with the paths, verbs, bodies and status
 * codes of the real API (batch/v1 Jobs: create, read, list by label selector, delete with a propagation policy; v1 Pods: list by label
 * selector, read, follow the log with `timestamps`, `sinceTime` and `sinceSeconds`; v1 Secrets: create, delete;
 * v1 Events: list by `involvedObject.name`; metrics.k8s.io/v1beta1 PodMetrics: read), and nothing else: any other
 * call is answered 404 and recorded in `unexpected`. Pods do not run images: a test scripts each pod (`onPod`):
 * write log lines, report usage to the metrics API, then succeed, fail with an exit code, be evicted or disrupted,
 * vanish, lose its node, or run until deleted; and before that (`onSchedule`) it may stay Pending: unschedulable,
 * an image that cannot be pulled, a bad container config, `ContainerCreating` (a volume that does not mount, or an
 * image still pulling), or no pod created at all. What Kubernetes would do
 * around them is imitated: a pod waits for the Secrets its env references, an image reference that does not parse
 * is `InvalidImageName`, a Job's `activeDeadlineSeconds` ends it with `DeadlineExceeded`, a Foreground deletion
 * removes the pod before the Job, a Secret owned by a Job goes with it, log lines carry RFC 3339 timestamps with
 * the trailing zeros of their fraction trimmed (as Go prints them), and `sinceTime` is cut to the second (as the API
 * server passes it on to the kubelet). Follow connections can be closed while the pod runs (`dropLogStreams`), as
 * real clusters do after a while or on a kubelet restart.
 */
export class FakeKubeApi {
  /** Every request, in order (method, path with query, parsed JSON body). */
  readonly requests: { method: string; path: string; body: unknown }[] = [];
  /** Requests outside the implemented calls. */
  readonly unexpected: string[] = [];
  /** Jobs deleted through the API, with the propagation policy asked. */
  readonly deletions: { name: string; propagationPolicy: string | undefined }[] = [];
  /** Every Job ever created (also the deleted ones), by name, as received. */
  readonly createdJobs = new Map<string, Json>();
  /** Every Secret ever created, by name, as received. */
  readonly createdSecrets = new Map<string, Json>();
  /** What each pod does once started; by default it succeeds at once. */
  onPod: (pod: FakePod) => Promise<FakePodEnd> = () => Promise.resolve({ kind: 'succeed' });
  /** Whether a new Job's pod stays Pending (or is never created); by default it is scheduled and starts. */
  onSchedule: (pod: FakePodToSchedule) => FakePending | undefined = () => undefined;
  /** false: no metrics-server (the metrics.k8s.io group answers 404, as on a cluster without it). */
  metricsServer = true;

  readonly #jobs = new Map<string, FakeJob>();
  readonly #pods = new Map<string, PodState>();
  readonly #secrets = new Map<string, Json>();
  readonly #events: Json[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #server: Server | undefined;
  #url = '';

  constructor(
    readonly namespace = 'bosun-test',
    readonly token = `fake-${randomUUID()}`,
  ) {}

  /** Listens on a free loopback port. */
  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  get url(): string {
    return this.#url;
  }

  /** A real KubeConfig (cluster, bearer-token user, context) pointing at this fake. */
  kubeConfig(): KubeConfig {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'fake', server: this.#url, skipTLSVerify: true }],
      users: [{ name: 'bosun', token: this.token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'bosun', namespace: this.namespace }],
      currentContext: 'fake',
    });
    return config;
  }

  /**
   * The calls made so far as RBAC sees them (`apiGroup/resource:verb`, `''` for the core group), to check them
   * against the documented Role.
   */
  rbacCalls(): Set<string> {
    const calls = new Set<string>();
    for (const { method, path } of this.requests) {
      const p = path.split('?')[0] ?? '';
      const m = p.match(
        /^\/(?:api\/v1|apis\/([a-z0-9.]+)\/v1(?:beta1)?)\/namespaces\/[^/]+\/([a-z]+)(?:\/([^/]+)(?:\/([a-z]+))?)?$/,
      );
      if (m === null) continue;
      const [, group = '', resource = '', name, sub] = m;
      const verb =
        method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : name === undefined ? 'list' : 'get';
      calls.add(`${group}/${resource}${sub !== undefined ? `/${sub}` : ''}:${verb}`);
    }
    return calls;
  }

  /** The Jobs that exist now. */
  jobNames(): string[] {
    return [...this.#jobs.keys()];
  }

  /** The Secrets that exist now. */
  secretNames(): string[] {
    return [...this.#secrets.keys()];
  }

  /** The pods that exist now. */
  podNames(): string[] {
    return [...this.#pods.keys()];
  }

  /** How many follow connections to a pod's log are open now. */
  logFollowers(pod: string): number {
    return this.#pods.get(pod)?.followers.size ?? 0;
  }

  /** Ends every open follow connection of the log now (the pods go on running). */
  dropLogStreams(): void {
    for (const pod of this.#pods.values()) for (const f of [...pod.followers]) f(undefined);
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    for (const pod of this.#pods.values()) pod.stop('the fake API server closed');
    const server = this.#server;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
    }
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: `${url.pathname}${url.search}`, body });
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      status(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const ns = escape(this.namespace);
    const route = `${method} ${url.pathname}`;
    let m: RegExpMatchArray | null;
    if (route === `POST /apis/batch/v1/namespaces/${ns}/jobs`) return this.createJob(asObject(body), res);
    if (route === `GET /apis/batch/v1/namespaces/${ns}/jobs`) {
      const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
      const items = [...this.#jobs.values()]
        .filter((j) => {
          const labels = stringMap(asObject(j.body['metadata'])['labels']);
          return Object.entries(selector).every(([k, v]) => labels[k] === v);
        })
        .map((j) => this.jobJson(j));
      return json(res, 200, {
        apiVersion: 'batch/v1',
        kind: 'JobList',
        metadata: { resourceVersion: '1' },
        items,
      });
    }
    if ((m = route.match(new RegExp(`^GET /apis/batch/v1/namespaces/${ns}/jobs/([^/]+)$`))) !== null) {
      const job = this.#jobs.get(m[1] ?? '');
      if (job === undefined) return status(res, 404, 'NotFound', `jobs.batch "${m[1] ?? ''}" not found`);
      return json(res, 200, this.jobJson(job));
    }
    if ((m = route.match(new RegExp(`^DELETE /apis/batch/v1/namespaces/${ns}/jobs/([^/]+)$`))) !== null) {
      const policy =
        url.searchParams.get('propagationPolicy') ?? stringField(asObject(body), 'propagationPolicy');
      return this.deleteJob(m[1] ?? '', policy, res);
    }
    if (route === `GET /api/v1/namespaces/${ns}/pods`) {
      const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
      const items = [...this.#pods.values()]
        .filter((p) => Object.entries(selector).every(([k, v]) => p.labels[k] === v))
        .map((p) => p.json());
      return json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items });
    }
    if ((m = route.match(new RegExp(`^GET /api/v1/namespaces/${ns}/pods/([^/]+)$`))) !== null) {
      const pod = this.#pods.get(m[1] ?? '');
      if (pod === undefined) return status(res, 404, 'NotFound', `pods "${m[1] ?? ''}" not found`);
      return json(res, 200, pod.json());
    }
    if ((m = route.match(new RegExp(`^GET /api/v1/namespaces/${ns}/pods/([^/]+)/log$`))) !== null) {
      return this.followLog(m[1] ?? '', url.searchParams, res);
    }
    if (route === `GET /api/v1/namespaces/${ns}/events`) {
      const selector = parseSelector(url.searchParams.get('fieldSelector') ?? '');
      const items = this.#events.filter((e) =>
        Object.entries(selector).every(
          ([k, v]) => k === 'involvedObject.name' && asObject(e['involvedObject'])['name'] === v,
        ),
      );
      return json(res, 200, {
        apiVersion: 'v1',
        kind: 'EventList',
        metadata: { resourceVersion: '1' },
        items,
      });
    }
    if (
      (m = route.match(
        new RegExp(`^GET /apis/metrics\\.k8s\\.io/v1beta1/namespaces/${ns}/pods/([^/]+)$`),
      )) !== null &&
      this.metricsServer
    ) {
      const pod = this.#pods.get(m[1] ?? '');
      const sample = pod?.metrics;
      if (pod === undefined || sample === undefined)
        return status(
          res,
          404,
          'NotFound',
          `podmetrics.metrics.k8s.io "${this.namespace}/${m[1] ?? ''}" not found`,
        );
      json(res, 200, {
        kind: 'PodMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: pod.name, namespace: this.namespace, labels: pod.labels },
        timestamp: sample.timestamp,
        window: sample.window ?? '15s',
        containers: [{ name: 'step', usage: { cpu: sample.cpu, memory: sample.memory } }],
      });
      pod.metricsServed();
      return;
    }
    if (route === `POST /api/v1/namespaces/${ns}/secrets`) return this.createSecret(asObject(body), res);
    if ((m = route.match(new RegExp(`^DELETE /api/v1/namespaces/${ns}/secrets/([^/]+)$`))) !== null) {
      const name = m[1] ?? '';
      if (!this.#secrets.delete(name)) return status(res, 404, 'NotFound', `secrets "${name}" not found`);
      return status(res, 200, 'Success', `secret ${name} deleted`, 'Success');
    }
    if (url.pathname.startsWith('/apis/metrics.k8s.io/')) {
      // No metrics-server: the aggregated group is not there (a call Bosun makes, not an unexpected one).
      return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    this.unexpected.push(`${method} ${url.pathname}${url.search}`);
    status(res, 404, 'NotFound', `the fake API server does not implement ${method} ${url.pathname}`);
  }

  private createJob(body: Json, res: ServerResponse): void {
    const metadata = asObject(body['metadata']);
    const name = stringField(metadata, 'name');
    if (name === undefined) return status(res, 422, 'Invalid', 'Job.metadata.name: Required value');
    if (this.#jobs.has(name)) return status(res, 409, 'AlreadyExists', `jobs.batch "${name}" already exists`);
    const uid = randomUUID();
    const job: FakeJob = {
      name,
      uid,
      body,
      created: new Date().toISOString(),
      conditions: [],
      succeeded: 0,
      failed: 0,
      deleting: false,
    };
    this.createdJobs.set(name, body);
    this.#jobs.set(name, job);
    const spec = asObject(body['spec']);
    const deadline = spec['activeDeadlineSeconds'];
    if (typeof deadline === 'number') {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (!this.#jobs.has(name) || job.conditions.length > 0) return;
        job.conditions.push({
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
        });
        job.failed += 1;
        for (const pod of this.podsOf(job)) {
          pod.stop('DeadlineExceeded');
          this.#pods.delete(pod.name);
        }
      }, deadline * 1000);
      this.#timers.add(timer);
    }
    const template = asObject(spec['template']);
    const labels = {
      ...stringMap(asObject(template['metadata'])['labels']),
      'batch.kubernetes.io/job-name': name,
      'job-name': name,
      'batch.kubernetes.io/controller-uid': uid,
    };
    const podName = `${name}-${randomUUID().slice(0, 5)}`;
    const image = stringField(asObject(asArray(asObject(template['spec'])['containers'])[0]), 'image') ?? '';
    const pending: FakePending | undefined = IMAGE_REFERENCE.test(image)
      ? this.onSchedule({ name: podName, labels, image })
      : {
          kind: 'waiting',
          reason: 'InvalidImageName',
          message: `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`,
        };
    if (pending?.kind === 'no-pod') {
      this.event('Job', name, 'FailedCreate', `Error creating: ${pending.message}`);
      json(res, 201, this.jobJson(job));
      return;
    }
    const pod = new PodState(podName, this.namespace, labels, job, template);
    this.#pods.set(pod.name, pod);
    if (pending !== undefined) {
      pod.hold(pending);
      this.pendingEvent(podName, pending);
      void pending.until?.then(() => {
        pod.release();
        this.startPods();
      });
    }
    json(res, 201, this.jobJson(job));
    setImmediate(() => this.startPods());
  }

  /** The event the scheduler or kubelet records about a pod held back this way. */
  private pendingEvent(podName: string, pending: Exclude<FakePending, { kind: 'no-pod' }>): void {
    switch (pending.kind) {
      case 'unschedulable':
        return this.event('Pod', podName, 'FailedScheduling', pending.message);
      case 'waiting':
        return this.event('Pod', podName, 'Failed', `Error: ${pending.reason}`);
      case 'creating':
        return pending.sandboxReady
          ? this.event('Pod', podName, 'Pulling', pending.message, 'Normal')
          : this.event('Pod', podName, 'FailedMount', pending.message);
    }
  }

  private event(kind: string, name: string, reason: string, message: string, type = 'Warning'): void {
    this.#events.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${randomUUID().slice(0, 8)}`, namespace: this.namespace },
      involvedObject: { kind, name, namespace: this.namespace },
      reason,
      message,
      type,
      count: 1,
      lastTimestamp: new Date().toISOString(),
    });
  }

  private createSecret(body: Json, res: ServerResponse): void {
    const name = stringField(asObject(body['metadata']), 'name');
    if (name === undefined) return status(res, 422, 'Invalid', 'Secret.metadata.name: Required value');
    if (this.#secrets.has(name)) return status(res, 409, 'AlreadyExists', `secrets "${name}" already exists`);
    this.#secrets.set(name, body);
    this.createdSecrets.set(name, body);
    json(res, 201, body);
    setImmediate(() => this.startPods());
  }

  /** Starts the pending pods whose Secrets all exist (the kubelet's CreateContainerConfigError until then). */
  private startPods(): void {
    for (const pod of this.#pods.values()) {
      if (pod.phase !== 'Pending' || pod.stopped !== undefined || pod.held) continue;
      const env = this.resolveEnv(pod.container);
      if (env === undefined) {
        pod.waiting = 'CreateContainerConfigError';
        continue;
      }
      pod.run(env, this.onPod, (end) => this.podEnded(pod, end));
    }
  }

  private resolveEnv(container: Json): Record<string, string> | undefined {
    const env: Record<string, string> = {};
    for (const entry of asArray(container['env'])) {
      const e = asObject(entry);
      const name = stringField(e, 'name') ?? '';
      if (typeof e['value'] === 'string') {
        env[name] = e['value'];
        continue;
      }
      const ref = asObject(asObject(e['valueFrom'])['secretKeyRef']);
      const secret = this.#secrets.get(stringField(ref, 'name') ?? '');
      if (secret === undefined) return undefined;
      const data = asObject(secret['data'])[stringField(ref, 'key') ?? ''];
      const plain = asObject(secret['stringData'])[stringField(ref, 'key') ?? ''];
      if (typeof data === 'string') env[name] = Buffer.from(data, 'base64').toString('utf8');
      else if (typeof plain === 'string') env[name] = plain;
      else return undefined;
    }
    return env;
  }

  private podEnded(pod: PodState, end: FakePodEnd): void {
    const job = pod.job;
    if (end.kind === 'succeed') {
      job.succeeded += 1;
      job.conditions.push({ type: 'Complete', status: 'True' });
    } else if (end.kind !== 'node-lost') {
      job.failed += 1;
      job.conditions.push({
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      });
    }
    if (end.kind === 'vanish') this.#pods.delete(pod.name);
  }

  private deleteJob(name: string, policy: string | undefined, res: ServerResponse): void {
    const job = this.#jobs.get(name);
    if (job === undefined) return status(res, 404, 'NotFound', `jobs.batch "${name}" not found`);
    this.deletions.push({ name, propagationPolicy: policy });
    const pods = this.podsOf(job);
    const removeJob = () => {
      this.#jobs.delete(name);
      for (const [secretName, secret] of this.#secrets) {
        const owners = asArray(asObject(secret['metadata'])['ownerReferences']).map(asObject);
        if (owners.some((o) => o['uid'] === job.uid)) this.#secrets.delete(secretName);
      }
    };
    const removePods = () => {
      for (const pod of pods) {
        pod.stop('deleted');
        this.#pods.delete(pod.name);
      }
    };
    if (policy === 'Foreground') {
      job.deleting = true;
      for (const pod of pods) pod.deleting = true;
      json(res, 200, this.jobJson(job));
      setImmediate(() => {
        removePods();
        setImmediate(removeJob);
      });
      return;
    }
    removeJob();
    json(res, 200, this.jobJson(job));
    if (policy !== 'Orphan') setImmediate(removePods);
  }

  private followLog(name: string, query: URLSearchParams, res: ServerResponse): void {
    const pod = this.#pods.get(name);
    if (pod === undefined) return status(res, 404, 'NotFound', `pods "${name}" not found`);
    if (query.get('container') !== 'step')
      return status(
        res,
        400,
        'BadRequest',
        `container ${query.get('container') ?? ''} is not valid for pod ${name}`,
      );
    if (pod.phase === 'Pending')
      return status(
        res,
        400,
        'BadRequest',
        `container "step" in pod "${name}" is waiting to start: ContainerCreating`,
      );
    const timestamps = query.get('timestamps') === 'true';
    const sinceTime = query.get('sinceTime');
    const sinceSeconds = query.get('sinceSeconds');
    // The API server hands sinceTime to the kubelet with second precision.
    const since =
      sinceTime !== null
        ? Math.floor(Date.parse(sinceTime) / 1000) * 1000
        : sinceSeconds !== null
          ? Date.now() - Number(sinceSeconds) * 1000
          : undefined;
    const format = (line: LogLine) => (timestamps ? `${line.time} ${line.text}` : line.text);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(
      pod.lines
        .filter((l) => since === undefined || l.ms >= since)
        .map(format)
        .join(''),
    );
    if (query.get('follow') !== 'true' || pod.terminated) {
      res.end();
      return;
    }
    const listener = (line: LogLine | undefined) => {
      if (line === undefined) {
        pod.followers.delete(listener);
        res.end();
      } else res.write(format(line));
    };
    pod.followers.add(listener);
    res.once('close', () => pod.followers.delete(listener));
  }

  private podsOf(job: FakeJob): PodState[] {
    return [...this.#pods.values()].filter((p) => p.job === job);
  }

  private jobJson(job: FakeJob): Json {
    const body = job.body;
    const active = this.podsOf(job).filter((p) => !p.terminated).length;
    return {
      ...body,
      metadata: {
        ...asObject(body['metadata']),
        uid: job.uid,
        creationTimestamp: job.created,
        ...(job.deleting
          ? { deletionTimestamp: new Date().toISOString(), finalizers: ['foregroundDeletion'] }
          : {}),
      },
      status: {
        active,
        succeeded: job.succeeded,
        failed: job.failed,
        conditions: job.conditions.map((c) => ({ ...c, lastTransitionTime: job.created })),
      },
    };
  }
}

/** How a scripted pod ends. */
export type FakePodEnd =
  /** Exit code 0. */
  | { kind: 'succeed' }
  /** The container exits with this code (reason: `Error` unless given, e.g. `OOMKilled`). */
  | { kind: 'fail'; exitCode: number; reason?: string }
  /** The kubelet evicts the pod (status.reason Evicted). */
  | { kind: 'evict'; message?: string }
  /** The pod is disrupted (condition DisruptionTarget, e.g. PreemptionByScheduler). */
  | { kind: 'disrupt'; reason?: string }
  /** The pod is deleted by someone else (it disappears from the API). */
  | { kind: 'vanish' }
  /** Its node stops answering (status.reason NodeLost). */
  | { kind: 'node-lost' };

/** A Job's pod about to be created, as `onSchedule` sees it. */
export interface FakePodToSchedule {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly image: string;
}

/** How a pod stays Pending (until `until` settles, if given: then it is scheduled and starts). */
export type FakePending =
  /** No node fits: condition PodScheduled False, reason Unschedulable, and a FailedScheduling event. */
  | { kind: 'unschedulable'; message: string; until?: Promise<void> }
  /** Scheduled, its container waiting with this reason (ErrImagePull, ImagePullBackOff, CreateContainerConfigError...). */
  | { kind: 'waiting'; reason: string; message: string; until?: Promise<void> }
  /**
   * Scheduled, its container `ContainerCreating` (no message, as the kubelet shows it). `sandboxReady`: its image is
   * being pulled (condition PodReadyToStartContainers True, a Normal `Pulling` event with `message`); otherwise a
   * volume does not mount (condition False, a Warning `FailedMount` event with `message`), or, with
   * `sandboxCondition: false`, as on a cluster older than 1.29, neither condition is reported.
   */
  | {
      kind: 'creating';
      sandboxReady: boolean;
      sandboxCondition?: boolean;
      message: string;
      until?: Promise<void>;
    }
  /** The Job never gets a pod (a quota, an admission webhook): a FailedCreate event on the Job. */
  | { kind: 'no-pod'; message: string };

/** One sample of the metrics API for a pod (what metrics-server serves: usage averaged over `window`). */
export interface FakePodMetrics {
  /** RFC 3339: the end of the window. */
  timestamp: string;
  /** Default `15s`. */
  window?: string;
  /** A CPU quantity (`250m`, `1`, `1500000n`). */
  cpu: string;
  /** A memory quantity (`128Mi`, `1048576Ki`, `2Gi`, bytes). */
  memory: string;
}

/** A pod as its script sees it. */
export interface FakePod {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly command: readonly string[];
  readonly workingDir: string;
  /** The container's environment, Secrets resolved (as the process in the container sees it). */
  readonly env: Readonly<Record<string, string>>;
  /** Appends to the container's log (each complete line gets its timestamp; a last partial line at the end). */
  log(text: string): void;
  /** What the metrics API answers for this pod from now on; settles once a reader has been served it. */
  setMetrics(sample: FakePodMetrics): Promise<void>;
  /** Settles when the pod is stopped from outside (Job deleted, deadline): a script that runs forever waits on it. */
  readonly stopped: Promise<string>;
  /**
   * Runs the container's command on this machine (as if the image were it): cwd `workingDir`, env + this PATH,
   * output into the log; resolves with the exit code. Killed when the pod is stopped.
   */
  exec(): Promise<number>;
}

type Json = Record<string, unknown>;

/** A log line as the kubelet keeps it: its text (with its newline) and when it was written. */
interface LogLine {
  /** RFC 3339 with the fraction's trailing zeros trimmed, as Go's RFC3339Nano prints it. */
  time: string;
  ms: number;
  text: string;
}

/** A reference the container runtime can parse: lower-case repository path, optional tag and digest. */
const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

function logTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0*Z$/, 'Z');
}

interface FakeJob {
  name: string;
  uid: string;
  body: Json;
  created: string;
  conditions: Json[];
  succeeded: number;
  failed: number;
  deleting: boolean;
}

class PodState {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown' = 'Pending';
  waiting = 'ContainerCreating';
  reason: string | undefined;
  message: string | undefined;
  conditions: Json[] = [];
  terminatedState: Json | undefined;
  deleting = false;
  stopped: string | undefined;
  readonly lines: LogLine[] = [];
  #partial = '';
  held = false;
  scheduled = true;
  waitingMessage: string | undefined;
  metrics: FakePodMetrics | undefined;
  #served: (() => void) | undefined;
  readonly followers = new Set<(line: LogLine | undefined) => void>();
  readonly uid = randomUUID();
  readonly container: Json;
  readonly #stop: Promise<string>;
  #resolveStop: (why: string) => void = () => undefined;

  constructor(
    readonly name: string,
    readonly namespace: string,
    readonly labels: Record<string, string>,
    readonly job: FakeJob,
    readonly template: Json,
  ) {
    this.container = asObject(asArray(asObject(template['spec'])['containers'])[0]);
    this.#stop = new Promise((resolve) => (this.#resolveStop = resolve));
  }

  get terminated(): boolean {
    return this.terminatedState !== undefined || this.phase === 'Succeeded' || this.phase === 'Failed';
  }

  append(text: string): void {
    if (this.terminated || this.stopped !== undefined) return;
    const parts = (this.#partial + text).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const part of parts) this.push(`${part}\n`);
  }

  private push(text: string): void {
    const ms = Date.now();
    const line: LogLine = { time: logTime(ms), ms, text };
    this.lines.push(line);
    for (const f of [...this.followers]) f(line);
  }

  /** The container ended: its last partial line is written as it is. */
  private flush(): void {
    if (this.#partial !== '') this.push(this.#partial);
    this.#partial = '';
  }

  hold(pending: Exclude<FakePending, { kind: 'no-pod' }>): void {
    this.held = true;
    switch (pending.kind) {
      case 'unschedulable':
        this.scheduled = false;
        this.conditions = [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: pending.message },
        ];
        return;
      case 'waiting':
        this.waiting = pending.reason;
        this.waitingMessage = pending.message;
        return;
      case 'creating':
        this.conditions = [
          { type: 'PodScheduled', status: 'True' },
          ...(pending.sandboxCondition === false
            ? []
            : [{ type: 'PodReadyToStartContainers', status: pending.sandboxReady ? 'True' : 'False' }]),
        ];
        return;
    }
  }

  release(): void {
    this.held = false;
    this.scheduled = true;
    this.conditions = this.conditions.filter(
      (c) => c['type'] !== 'PodScheduled' && c['type'] !== 'PodReadyToStartContainers',
    );
    this.waiting = 'ContainerCreating';
    this.waitingMessage = undefined;
  }

  metricsServed(): void {
    this.#served?.();
    this.#served = undefined;
  }

  stop(why: string): void {
    if (this.stopped !== undefined) return;
    this.stopped = why;
    this.#resolveStop(why);
    if (!this.terminated) {
      this.flush();
      this.phase = 'Failed';
      this.terminatedState = { exitCode: 143, reason: 'Error' };
    }
    this.endFollowers();
  }

  endFollowers(): void {
    for (const f of [...this.followers]) f(undefined);
  }

  run(
    env: Record<string, string>,
    script: (pod: FakePod) => Promise<FakePodEnd>,
    ended: (end: FakePodEnd) => void,
  ) {
    this.phase = 'Running';
    const command = asArray(this.container['command']).map(String);
    const workingDir = stringField(this.container, 'workingDir') ?? '/';
    const view: FakePod = {
      name: this.name,
      labels: this.labels,
      command,
      workingDir,
      env,
      log: (text) => this.append(text),
      setMetrics: (sample) =>
        new Promise<void>((resolve) => {
          this.metrics = sample;
          this.#served = resolve;
        }),
      stopped: this.#stop,
      exec: () => this.exec(command, workingDir, env),
    };
    void script(view).then(
      (end) => {
        if (this.stopped !== undefined) return;
        this.finish(end);
        ended(end);
      },
      (error: unknown) => {
        if (this.stopped !== undefined) return;
        this.append(`fake pod script failed: ${String(error)}\n`);
        const end: FakePodEnd = { kind: 'fail', exitCode: 1 };
        this.finish(end);
        ended(end);
      },
    );
  }

  private exec(command: string[], cwd: string, env: Record<string, string>): Promise<number> {
    return new Promise((resolve) => {
      const child = spawn(command[0] ?? '', command.slice(1), {
        cwd,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk: Buffer) => this.append(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => this.append(chunk.toString('utf8')));
      void this.#stop.then(() => child.kill('SIGKILL'));
      child.once('error', () => resolve(127));
      child.once('close', (code) => resolve(code ?? 137));
    });
  }

  private finish(end: FakePodEnd): void {
    this.flush();
    switch (end.kind) {
      case 'succeed':
        this.phase = 'Succeeded';
        this.terminatedState = { exitCode: 0, reason: 'Completed' };
        break;
      case 'fail':
        this.phase = 'Failed';
        this.terminatedState = { exitCode: end.exitCode, reason: end.reason ?? 'Error' };
        break;
      case 'evict':
        this.phase = 'Failed';
        this.reason = 'Evicted';
        this.message = end.message ?? 'The node was low on resource: memory.';
        this.terminatedState = { exitCode: 137, reason: 'Error' };
        break;
      case 'disrupt':
        this.phase = 'Failed';
        this.conditions.push({
          type: 'DisruptionTarget',
          status: 'True',
          reason: end.reason ?? 'PreemptionByScheduler',
          message: 'Kubernetes preempted the pod for a higher-priority one',
        });
        this.terminatedState = { exitCode: 143, reason: 'Error' };
        break;
      case 'vanish':
        this.terminatedState = { exitCode: 137, reason: 'Error' };
        break;
      case 'node-lost':
        this.phase = 'Unknown';
        this.reason = 'NodeLost';
        this.message = `Node fake-node which was running pod ${this.name} is unresponsive`;
        break;
    }
    this.endFollowers();
  }

  json(): Json {
    const now = new Date().toISOString();
    const state =
      this.terminatedState !== undefined
        ? { terminated: { ...this.terminatedState, startedAt: now, finishedAt: now } }
        : this.phase === 'Running' || this.phase === 'Unknown'
          ? { running: { startedAt: now } }
          : {
              waiting: {
                reason: this.waiting,
                ...(this.waitingMessage !== undefined ? { message: this.waitingMessage } : {}),
              },
            };
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        uid: this.uid,
        labels: this.labels,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: this.job.name, uid: this.job.uid }],
        ...(this.deleting ? { deletionTimestamp: now } : {}),
      },
      spec: asObject(this.template['spec']),
      status: {
        phase: this.phase,
        ...(this.reason !== undefined ? { reason: this.reason } : {}),
        ...(this.message !== undefined ? { message: this.message } : {}),
        conditions: this.conditions,
        // An unscheduled pod has no container statuses yet.
        ...(this.scheduled
          ? {
              containerStatuses: [
                {
                  name: 'step',
                  image: stringField(this.container, 'image') ?? '',
                  imageID: '',
                  ready: this.phase === 'Running',
                  restartCount: 0,
                  state,
                },
              ],
            }
          : {}),
      },
    };
  }
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  result = 'Failure',
): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: result, message, reason, code });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function stringField(obj: Json, key: string): string | undefined {
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObject(value))) if (typeof v === 'string') out[k] = v;
  return out;
}

function parseSelector(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [k, v] = part.split('=');
    if (k !== undefined && k !== '' && v !== undefined) out[k] = v;
  }
  return out;
}
