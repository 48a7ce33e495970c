import type { V1Role } from '@kubernetes/client-node';

/**
 * The Role the server's account needs in the namespace its Jobs run in: exactly the calls the Kubernetes executor
 * makes (create, read, list and delete Jobs: earlier attempts' unfinished Jobs are deleted before a retry; list pods
 * and follow their logs; create and delete the per-attempt Secrets; list events, for why a pod did not start; read
 * pod metrics from metrics-server, for a step's CPU and memory). Bind it to the service account (in the cluster) or
 * user (KUBECONFIG) the server runs as.
 */
export function kubernetesExecutorRole(namespace: string, name = 'bosun-pipelines'): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace },
    rules: [
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get'] },
    ],
  };
}
