// "Select Docker Engine…": the Docker contexts, DOCKER_HOST and the setting, with the one in use marked;
// choosing one writes imagePromotion.dockerHost in the user's settings (the core decides the rest).
import * as vscode from 'vscode';
import { dockerConfigDir } from '../../credentials/dockerConfig';
import { listEngineChoices, type EngineChoice } from '../../engine/engineChoices';
import type { UserInteraction } from '../interaction';
import type { Settings } from '../settings';

export interface SelectEngineDeps {
  readonly settings: Settings;
  readonly interaction: () => UserInteraction;
}

export async function selectEngine(deps: SelectEngineDeps): Promise<EngineChoice | undefined> {
  const { choices, used, problem } = listEngineChoices({ setting: deps.settings.dockerHost(), env: process.env, dockerConfigDir: dockerConfigDir() });
  const title = used ? `Select Docker Engine (in use: ${used.display}, from ${used.source})` : `Select Docker Engine (none usable: ${problem ?? 'unknown'})`;
  const chosen = await deps.interaction().pick(
    choices.map((c) => ({
      label: c.name,
      description: [c.address, c.inUse ? 'in use' : '', c.current ? 'current Docker context' : ''].filter(Boolean).join(' · '),
      ...(c.problem ? { detail: `This context ${c.problem}.` } : c.kind === 'docker-host' ? { detail: 'From the environment VS Code was started with.' } : {}),
      ...(c.inUse ? { picked: true } : {}),
      value: c,
    })),
    { title, placeholder: 'Promotions and lookups go through the engine chosen here' },
  );
  if (!chosen) return undefined;
  if (chosen.problem) {
    void vscode.window.showErrorMessage(
      `Docker context "${chosen.name}" ${chosen.problem}. Fix it with \`docker context inspect ${chosen.name}\`, or choose another engine.`,
    );
    return undefined;
  }
  if (!chosen.inUse) {
    await vscode.workspace.getConfiguration('imagePromotion').update('dockerHost', chosen.settingValue || undefined, vscode.ConfigurationTarget.Global);
    // A workspace's own value outranks the user's: say so rather than claim a switch that did not happen.
    if (deps.settings.dockerHost() !== chosen.settingValue) {
      void vscode.window.showWarningMessage(
        `This workspace's settings set imagePromotion.dockerHost to "${deps.settings.dockerHost()}", which still applies. Remove it there to use ${chosen.name}.`,
      );
      return undefined;
    }
  }
  void vscode.window.showInformationMessage(
    `Image Promotion uses the Docker engine ${chosen.kind === 'context' ? `of context "${chosen.name}" ` : ''}at ${chosen.address}.`,
  );
  return chosen;
}
