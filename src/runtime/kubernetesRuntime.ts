// runs: kubernetes — the pods matching a selector; each running container's status.imageID names the
// digest it runs. Only the containers of the environment's repository count (not sidecars), unless
// `container` names one; for a release, the containers of any of its images' repositories.
import type { RuntimeConfig } from '../config/types';
import type { Repository } from '../core/reference';
import { isRepository, parseRepoDigest } from './imageIds';
import { listPods, type PodList } from './kubernetesApi';
import type { RunningInstance, RuntimeReader } from './runtime';

type KubernetesRuntime = Extract<RuntimeConfig, { kind: 'kubernetes' }>;

export function kubernetesReader(config: KubernetesRuntime, repositories: Repository | readonly Repository[], list: typeof listPods = listPods): RuntimeReader {
  const where = `pods ${config.selector} in ${config.namespace}${config.context ? ` (${config.context})` : ''}`;
  return {
    where,
    async read(signal) {
      const { server, context, pods } = await list(config, signal);
      return { where: `pods ${config.selector} in ${config.namespace} (${context}, ${server})`, instances: podInstances(pods, repositories, config.container) };
    },
  };
}

/** One instance per running container of the workload, named `pod/container`. */
export function podInstances(pods: PodList, repositories: Repository | readonly Repository[], container?: string): RunningInstance[] {
  const ofRelease: readonly Repository[] = Array.isArray(repositories) ? repositories : [repositories as Repository];
  const instances: RunningInstance[] = [];
  for (const pod of pods.items) {
    for (const status of pod.status?.containerStatuses ?? []) {
      if (!status.state?.running) continue;
      const repoDigest = status.imageID ? parseRepoDigest(status.imageID) : undefined;
      const ours = container
        ? status.name === container
        : [status.image, repoDigest?.repository].some((name) => name && ofRelease.some((repository) => isRepository(name, repository)));
      if (!ours) continue;
      instances.push({ name: `${pod.metadata?.name ?? '?'}/${status.name}`, digests: repoDigest ? [repoDigest.digest] : [] });
    }
  }
  return instances.sort((a, b) => a.name.localeCompare(b.name));
}
