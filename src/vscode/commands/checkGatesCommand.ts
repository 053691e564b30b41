// "Check Gates…": runs every gate of a promotion now, without promoting, and shows the results in the
// Gate Checks view (not a stack of notifications).
import * as vscode from 'vscode';
import { runCheck } from '../../app/runCheck';
import type { AppServices } from '../../app/services';
import type { PromotionModel } from '../../model/promotionModel';
import type { GateCheck } from '../../promotion/checkGates';
import { defaultTarget, previousEnvironment } from '../../promotion/plan';
import type { PromotionSource } from '../../promotion/promote';
import type { UserInteraction } from '../interaction';
import { withCancellableProgress } from '../progress';
import type { PromotionNode } from '../tree/nodes';
import { currentSnapshot, readyConfig } from './commandContext';
import { sourceFromNode, type PromoteCommands } from './promoteCommands';

export interface CheckGatesDeps {
  readonly model: PromotionModel;
  readonly app: Pick<AppServices, 'promotion' | 'history'>;
  readonly interaction: () => UserInteraction;
  readonly promote: PromoteCommands;
  readonly show: (check: GateCheck) => void;
}

export async function checkGatesCommand(deps: CheckGatesDeps, node?: PromotionNode): Promise<GateCheck | undefined> {
  const ready = readyConfig(deps.model);
  if (!ready) return undefined;
  const fromRow = node ? sourceFromNode(node) : undefined;
  const suggested = fromRow ? defaultTarget(ready.config, fromRow.kind === 'environment' ? { environment: fromRow.environment } : {}) : undefined;
  const target =
    fromRow && suggested
      ? suggested
      : await deps.interaction().pick(
          ready.config.environments.map((env) => ({
            label: env.name,
            description: env.gates.map((g) => g.name).join(', ') || 'built-in gates only',
            value: env,
          })),
          { title: 'Check gates: target environment', placeholder: 'Environment whose gates to run' },
        );
  if (!target) return undefined;
  const previous = previousEnvironment(ready.config, target);
  const source: PromotionSource | undefined =
    fromRow ??
    (previous ? { kind: 'environment', environment: previous } : await deps.promote.pickBuild(ready.config, target, await currentSnapshot(deps.model)));
  if (!source) return undefined;
  const check = await withCancellableProgress(`Checking the gates of ${target.name}`, (_report, signal) =>
    runCheck(deps.app, { config: ready.config, source, target }, { trusted: vscode.workspace.isTrusted, workspaceDir: ready.workspaceDir, signal }),
  );
  deps.show(check);
  return check;
}
