import { InvalidParameterError } from './errors.js';

/** A toleration as a Pod spec holds it. */
export interface KubeToleration {
  key: string;
  operator: 'Equal' | 'Exists';
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/**
 * The Kubernetes executor's settings (`bosun server --pipeline-executor kubernetes --kube-...`). The cluster and
 * credentials are not here: the client reads KUBECONFIG (or ~/.kube/config) or the in-cluster service account.
 */
export interface KubernetesSettings {
  /** Undefined: the kubeconfig context's namespace, else `default`. */
  namespace?: string;
  /** The image of steps that name none. */
  image?: string;
  /** MLFLOW_TRACKING_URI as pods reach the server; undefined: the server's own address. */
  trackingUri?: string;
  /** Claims mounted in every step pod at the path the server sees them at. */
  volumes: { claimName: string; mountPath: string }[];
  /** The toleration of spot steps whose class has no placement; undefined: `bosun.dev/spot` (Exists, NoSchedule). */
  spotToleration?: KubeToleration;
  /**
   * How long a step's pod may stay unscheduled (or its Job without a pod) before the attempt ends as preempted;
   * undefined: 10 minutes.
   */
  pendingTimeoutMs?: number;
}

/** The `--kube-*` flags as the CLI received them. */
export interface KubernetesFlags {
  kubeNamespace?: string;
  kubeImage?: string;
  kubeTrackingUri?: string;
  kubeVolumes?: string[];
  kubeSpotToleration?: string;
  kubePendingTimeout?: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

function parseVolume(text: string): { claimName: string; mountPath: string } {
  const at = text.indexOf(':');
  const claimName = at > 0 ? text.slice(0, at) : '';
  const mountPath = at > 0 ? text.slice(at + 1) : '';
  if (!DNS_SUBDOMAIN.test(claimName) || !mountPath.startsWith('/')) {
    throw new InvalidParameterError(
      `Invalid --kube-volume '${text}': expected CLAIM:/absolute/path (a PersistentVolumeClaim name and where pods mount it)`,
    );
  }
  return { claimName, mountPath };
}

function parseToleration(text: string): KubeToleration {
  const at = text.lastIndexOf(':');
  const effect = text.slice(at + 1);
  const keyValue = at > 0 ? text.slice(0, at) : '';
  const [key = '', value] = keyValue.split('=', 2);
  if (at <= 0 || key === '' || !(EFFECTS as readonly string[]).includes(effect)) {
    throw new InvalidParameterError(
      `Invalid --kube-spot-toleration '${text}': expected KEY[=VALUE]:EFFECT with EFFECT one of ${EFFECTS.join(', ')}`,
    );
  }
  return {
    key,
    ...(value !== undefined ? { operator: 'Equal' as const, value } : { operator: 'Exists' as const }),
    effect: effect as KubeToleration['effect'],
  };
}

const DURATION_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `--kube-pending-timeout`: `90s`, `10m`, `1h30m`; 10 seconds to 7 days. */
function parsePendingTimeout(text: string): number {
  const parts = [...text.matchAll(/(\d+)([smh])/g)];
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (DURATION_UNITS_MS[p[2] ?? ''] ?? 0), 0);
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text || ms < 10_000 || ms > 7 * 86_400_000) {
    throw new InvalidParameterError(
      `Invalid --kube-pending-timeout '${text}': expected a duration such as 10m, 90s or 1h30m (10s to 7 days)`,
    );
  }
  return ms;
}

/** Whether any `--kube-*` flag or BOSUN_KUBE_* variable is set. */
export function kubernetesSettingsGiven(flags: KubernetesFlags, env: NodeJS.ProcessEnv): boolean {
  return (
    Object.values(flags).some((v) => v !== undefined) ||
    Object.keys(env).some((k) => k.startsWith('BOSUN_KUBE_') && env[k] !== undefined && env[k] !== '')
  );
}

/** Reads and checks the `--kube-*` flags, each falling back to its BOSUN_KUBE_* variable. */
export function loadKubernetesSettings(flags: KubernetesFlags, env: NodeJS.ProcessEnv): KubernetesSettings {
  const namespace = flags.kubeNamespace ?? env.BOSUN_KUBE_NAMESPACE;
  if (namespace !== undefined && !DNS_LABEL.test(namespace)) {
    throw new InvalidParameterError(
      `Invalid --kube-namespace '${namespace}': a namespace is 1 to 63 lower-case letters, digits and '-'`,
    );
  }
  const image = flags.kubeImage ?? env.BOSUN_KUBE_IMAGE;
  if (image !== undefined && !/^\S{1,1000}$/.test(image)) {
    throw new InvalidParameterError(
      `Invalid --kube-image '${image}': expected an image reference without spaces`,
    );
  }
  const trackingUri = flags.kubeTrackingUri ?? env.BOSUN_KUBE_TRACKING_URI;
  if (trackingUri !== undefined && !/^https?:\/\/[^\s/]+/.test(trackingUri)) {
    throw new InvalidParameterError(
      `Invalid --kube-tracking-uri '${trackingUri}': expected the http(s) URL pods reach this server at`,
    );
  }
  const volumeTexts =
    flags.kubeVolumes ??
    (env.BOSUN_KUBE_VOLUMES ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  const toleration = flags.kubeSpotToleration ?? env.BOSUN_KUBE_SPOT_TOLERATION;
  const pendingTimeout = flags.kubePendingTimeout ?? env.BOSUN_KUBE_PENDING_TIMEOUT;
  return {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(image !== undefined ? { image } : {}),
    ...(trackingUri !== undefined ? { trackingUri } : {}),
    volumes: volumeTexts.map(parseVolume),
    ...(toleration !== undefined ? { spotToleration: parseToleration(toleration) } : {}),
    ...(pendingTimeout !== undefined ? { pendingTimeoutMs: parsePendingTimeout(pendingTimeout) } : {}),
  };
}
