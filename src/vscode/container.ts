// The composition root: builds the services in order, registers views and commands, owns disposal.
// Nothing here awaits Docker or the network: activation stays fast.
import * as vscode from 'vscode';
import { errorMessage, PromotionError } from '../core/errors';
import { DockerConfigCredentials, dockerConfigDir } from '../credentials/dockerConfig';
import { ImageDetailsCache } from '../images/imageDetails';
import { PromotionModel, type ConfigState } from '../model/promotionModel';
import type { EngineStatus } from '../model/snapshot';
import type { PromotionServices } from '../promotion/promote';
import { TargetLocks } from '../promotion/targetLocks';
import { HttpRegistryClient } from '../registry/httpRegistryClient';
import { createConfig, openConfig } from './commands/configCommands';
import { copyDigest, copyPullReference } from './commands/copyCommands';
import { PromoteCommands } from './commands/promoteCommands';
import { ConfigLoader } from './configLoader';
import { EngineProvider } from './engineProvider';
import { VsCodeInteraction, type UserInteraction } from './interaction';
import { RefreshScheduler } from './refreshScheduler';
import { settings } from './settings';
import { BuildsTree } from './tree/buildsTree';
import { EnvironmentsTree } from './tree/environmentsTree';
import { digestOf, type PromotionNode } from './tree/nodes';

/** What activate() returns: read-only state for other extensions and tests, and a test-only seam. */
export interface ImagePromotionApi {
  readonly model: PromotionModel;
  refresh(): Promise<void>;
  /** Extension tests only: answer pickers and confirmations without a person. */
  useInteraction(interaction: UserInteraction | undefined): void;
}

export function createContainer(context: vscode.ExtensionContext): ImagePromotionApi {
  const log = vscode.window.createOutputChannel('Image Promotion', { log: true });
  const own = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  own(log);

  const credentials = new DockerConfigCredentials({ configDir: () => dockerConfigDir(), log });
  const registry = new HttpRegistryClient({ credentials, log, timeoutMs: settings.lookupTimeoutMs, insecureRegistries: settings.insecureRegistries });
  const details = new ImageDetailsCache(registry);
  const engines = new EngineProvider(settings, log);
  const checkEngine = async (signal?: AbortSignal): Promise<EngineStatus> => {
    let address = '(no address)';
    try {
      address = engines.address().display;
      const engine = await engines.get();
      await engine.ping(signal);
      return { state: 'ok', address };
    } catch (error) {
      return { state: 'error', address, error: error instanceof PromotionError ? error : new PromotionError('engine-unreachable', errorMessage(error)) };
    }
  };
  const model = new PromotionModel({ registry, describe: (repo, digest, signal) => details.get(repo, digest, signal), log, checkEngine });
  own({ dispose: () => model.dispose() });

  const services: PromotionServices = {
    registry,
    engine: () => engines.get(),
    credentials,
    describe: (repo, digest, signal) => details.get(repo, digest, signal),
    locks: new TargetLocks(),
    log,
  };
  let interaction: UserInteraction = new VsCodeInteraction();
  let environmentsTree: EnvironmentsTree | undefined;
  const promoteCommands = new PromoteCommands({ model, services, interaction: () => interaction, log, onBusyChanged: () => environmentsTree?.redraw() });

  const lookupDetails = async (node: PromotionNode) => {
    const found = digestOf(node);
    return found ? details.get(found.repository, found.digest) : undefined;
  };
  environmentsTree = own(new EnvironmentsTree(model, lookupDetails, (env) => promoteCommands.isPromoting(env)));
  const buildsTree = own(new BuildsTree(model, lookupDetails));
  const views = [
    own(vscode.window.createTreeView('imagePromotion.environments', { treeDataProvider: environmentsTree, showCollapseAll: false })),
    own(vscode.window.createTreeView('imagePromotion.builds', { treeDataProvider: buildsTree, showCollapseAll: false })),
  ];
  own(new RefreshScheduler(model, views, settings));

  const diagnostics = own(vscode.languages.createDiagnosticCollection('imagePromotion'));
  const setState = (state: ConfigState): void => {
    const value = state.kind === 'no-workspace' ? 'noWorkspace' : state.kind === 'no-config' ? 'noConfig' : state.kind === 'invalid' ? 'invalid' : 'ready';
    void vscode.commands.executeCommand('setContext', 'imagePromotion.state', value);
  };
  const loader = own(new ConfigLoader(model, diagnostics, settings, log, setState));
  own(vscode.workspace.onDidGrantWorkspaceTrust(() => void loader.reload()));
  own(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('imagePromotion.dockerHost') || e.affectsConfiguration('imagePromotion.insecureRegistries')) void model.refresh();
  }));

  const refresh = async (): Promise<void> => {
    credentials.clear();
    await vscode.window.withProgress({ location: { viewId: 'imagePromotion.environments' } }, () => model.refresh());
  };
  const commands: Record<string, (...args: never[]) => unknown> = {
    'imagePromotion.refresh': refresh,
    'imagePromotion.promoteToStaging': (node?: PromotionNode) => promoteCommands.promoteTo('staging', node),
    'imagePromotion.promoteToProduction': (node?: PromotionNode) => promoteCommands.promoteTo('production', node),
    'imagePromotion.promote': (node?: PromotionNode) => promoteCommands.promotePick(node),
    'imagePromotion.promoteToNext': (node?: PromotionNode) => promoteCommands.promoteToNext(node),
    'imagePromotion.copyDigest': (node?: PromotionNode) => copyDigest(node),
    'imagePromotion.copyPullReference': (node?: PromotionNode) => copyPullReference(node),
    'imagePromotion.createConfig': () => createConfig(loader),
    'imagePromotion.openConfig': () => openConfig(loader),
    'imagePromotion.showLog': () => log.show(true),
  };
  for (const [id, handler] of Object.entries(commands)) own(vscode.commands.registerCommand(id, handler));

  void loader.reload();

  return {
    model,
    refresh: () => model.refresh(),
    useInteraction: (replacement) => {
      if (context.extensionMode !== vscode.ExtensionMode.Test) throw new Error('useInteraction is for extension tests only');
      interaction = replacement ?? new VsCodeInteraction();
    },
  };
}
