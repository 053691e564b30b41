// How an environment is redeployed after its tag moved (deploy: docker, command or webhook), behind
// one small interface; the wait for what runs is rollout.ts's.
import type { Repository } from '../core/reference';
import type { GateContext } from '../gates/gate';

export interface RedeployInput {
  /** The digest the tag now holds. */
  readonly digest: string;
  /** The environment's repository (the redeployed workload pulls `repository@digest`). */
  readonly repository: Repository;
  /** The promotion's facts, trust, log and cancellation, as its gates get them. */
  readonly context: GateContext;
  readonly progress: (message: string) => void;
}

export interface RedeployResult {
  readonly ok: boolean;
  /** One line: what was done, or what went wrong and what runs now. */
  readonly says: string;
  readonly details?: readonly string[];
}

export interface Redeployer {
  /** `recreate the containers app=shop`, `run kubectl`, `POST https://…`. */
  readonly what: string;
  redeploy(input: RedeployInput): Promise<RedeployResult>;
}
