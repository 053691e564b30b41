// The readers and redeployers of a config's environments, made from `runs:` and `deploy:`.
import type { EnvironmentConfig } from '../config/types';
import type { Repository } from '../core/reference';
import type { CredentialProvider } from '../credentials/credentials';
import type { ContainerEngine } from '../engine/engine';
import { commandRedeployer } from './commandRedeploy';
import { dockerRedeployer } from './dockerRedeploy';
import { dockerReader } from './dockerRuntime';
import { httpReader } from './httpRuntime';
import { kubernetesReader } from './kubernetesRuntime';
import type { Redeployer } from './redeploy';
import type { RuntimeReader } from './runtime';
import { webhookRedeployer } from './webhookRedeploy';

export interface RuntimeServices {
  /**
   * Undefined when the environment has no `runs:`. `repositories`: a release's images (the workload's
   * containers of any of them count); default the environment's own.
   */
  reader(env: EnvironmentConfig, repositories?: readonly Repository[]): RuntimeReader | undefined;
  /** Undefined when the environment has no `deploy:`. */
  redeployer(env: EnvironmentConfig): Redeployer | undefined;
}

export interface RuntimeDeps {
  /** The engine at `host` (an address or `context:<name>`); absent: the one promotions use. */
  readonly engineAt: (host: string | undefined) => Promise<ContainerEngine>;
  /** How `host` reads in words before the engine is reached. */
  readonly hostLabel: (host: string | undefined) => string;
  readonly credentials: CredentialProvider;
  /** For tests: how long a new container must run before it counts as started. */
  readonly settleMs?: number;
}

export function runtimeServices(deps: RuntimeDeps): RuntimeServices {
  return {
    reader(env, repositories) {
      const runs = env.runs;
      if (!runs) return undefined;
      if (runs.kind === 'docker') return dockerReader(() => deps.engineAt(runs.host), runs.labels, deps.hostLabel(runs.host));
      if (runs.kind === 'kubernetes') return kubernetesReader(runs, repositories ?? env.repository);
      return httpReader(runs);
    },
    redeployer(env) {
      const action = env.deploy?.action;
      if (!action) return undefined;
      if (action.kind === 'docker')
        return dockerRedeployer(
          () => deps.engineAt(action.host),
          action.labels,
          deps.credentials,
          deps.settleMs !== undefined ? { settleMs: deps.settleMs } : {},
        );
      if (action.kind === 'command') return commandRedeployer(action.run, action.timeoutSeconds);
      return webhookRedeployer(action.request);
    },
  };
}
