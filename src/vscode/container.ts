// The composition root: builds the services in order, registers views and commands, owns disposal.
// Nothing here awaits Docker or the network: activation stays fast.
import * as vscode from 'vscode';
import { composeServices } from '../app/services';
import type { RegistryCredentials } from '../credentials/credentials';
import type { PromotionModel } from '../model/promotionModel';
import { commandHandlers, commandTitles, registerCommands } from './commands/registerCommands';
import { VsCodeInteraction, type UserInteraction } from './interaction';
import { shippedBetween } from './shippedLookup';
import { SignedChains } from '../app/signedChain';
import { HISTORY_SCHEME, HistoryDocuments } from './historyDocument';
import { GateChecksTree } from './tree/gateChecksTree';
import { HistoryTree, type HistoryNode } from './tree/historyTree';
import { RefreshScheduler } from './refreshScheduler';
import { SecretCredentials } from './secretCredentials';
import { settings, watchSettings } from './settings';
import { BuildsTree } from './tree/buildsTree';
import { EnvironmentsTree } from './tree/environmentsTree';
import { folderOf } from './tree/folderGroups';
import { digestOf, type PromotionNode } from './tree/nodes';
import { PromotionStatusBar, type StatusBarState } from './statusBar';
import { AttentionBadge } from './viewBadge';
import type { FolderWorkspace } from './folderWorkspace';
import { Workspaces } from './workspaces';
import { bundleLoadLine, type BundleLoad } from './bundleLoad';

/** What activate() returns: read-only state for other extensions and tests, and a test-only seam. */
export interface ImagePromotionApi {
  /** The first folder with a config (else the first folder): in a single-folder window, the window's model. */
  readonly model: PromotionModel;
  /** Every workspace folder, in workspace order, each with its own model (multi-root workspaces). */
  folders(): readonly { readonly name: string; readonly dir: string; readonly model: PromotionModel }[];
  /** Refreshes every folder. */
  refresh(): Promise<void>;
  /** Extension tests only: answer pickers and confirmations without a person. */
  useInteraction(interaction: UserInteraction | undefined): void;
  /** Extension tests only: what Sign In to Registry… keeps in SecretStorage for a registry. */
  signedIn(registry: string): Promise<RegistryCredentials | undefined>;
  /** What the status bar and the view badge show now (tests read them here). */
  readonly glance: { statusBar(): StatusBarState; badge(): vscode.ViewBadge | undefined };
  /** The views' data, as VS Code reads it (tests walk the rows and group rows here). */
  readonly trees: {
    readonly environments: vscode.TreeDataProvider<PromotionNode>;
    readonly builds: vscode.TreeDataProvider<PromotionNode>;
    readonly history: vscode.TreeDataProvider<HistoryNode>;
  };
  /** This extension's log folder (context.logUri): the log channel's file is "Image Promotion.log" in it. */
  readonly logUri: vscode.Uri;
}

export function createContainer(context: vscode.ExtensionContext, load?: BundleLoad): ImagePromotionApi {
  const log = vscode.window.createOutputChannel('Image Promotion', { log: true });
  if (load) log.info(bundleLoadLine(load));
  const early = load?.earlyConnections;
  if (early)
    void early.settled.then((taken) =>
      log.info(`start-up: the first requests took ${taken} of the ${early.opened} registry connection(s) opened before the bundle loaded`),
    );
  const own = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  own(log);
  // First, so that every listener below reads the new values: VS Code calls listeners in the order they were added.
  own(watchSettings());

  // Sign In to Registry… keeps credentials here; they are asked before the Docker config.
  const secrets = new SecretCredentials(context.secrets, context.globalState);
  own(context.secrets.onDidChange(() => secrets.forget()));
  const app = composeServices({
    log,
    ...settings,
    credentialSource: secrets,
    trusted: () => vscode.workspace.isTrusted,
    warn: (message) => void vscode.window.showWarningMessage(message),
    // Digests' details and build tags' digests never change: kept across sessions, bounded.
    detailsFile: vscode.Uri.joinPath(context.globalStorageUri, 'image-details.json').fsPath,
    earlyLookupsUnder: () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    ...(load?.earlyConnections ? { earlyConnections: load.earlyConnections } : {}),
  });
  const { credentials, details } = app;
  let interaction: UserInteraction = new VsCodeInteraction();
  const trees: { environments?: EnvironmentsTree } = {};
  const diagnostics = own(vscode.languages.createDiagnosticCollection('imagePromotion'));
  // One FolderWorkspace per workspace folder (config, model, history, runner), following folders added and removed.
  const workspaces = own(
    new Workspaces({
      app,
      settings,
      log,
      diagnostics,
      interaction: () => interaction,
      memory: context.workspaceState,
      onBusyChanged: () => trees.environments?.redraw(),
      onState: (value, folderWithoutConfig) => {
        void vscode.commands.executeCommand('setContext', 'imagePromotion.state', value);
        void vscode.commands.executeCommand('setContext', 'imagePromotion.folderWithoutConfig', folderWithoutConfig);
      },
    }),
  );

  const lookupDetails = async (node: PromotionNode) => {
    const found = digestOf(node);
    return found ? details.get(found.repository, found.digest) : undefined;
  };
  const inFolder = (key: string | undefined): FolderWorkspace | undefined => folderOf(workspaces, key) as FolderWorkspace | undefined;
  // The rows' signed word, checked in the background (the tree redraws when one is known), and the
  // tooltip's line: both from the same links, a valid one read once.
  const signedChains = new SignedChains(app, () => trees.environments?.redraw());
  trees.environments = own(
    new EnvironmentsTree(
      workspaces,
      lookupDetails,
      (folder, env) => inFolder(folder)?.runner.isPromoting(env) ?? false,
      (folder, target, source) => {
        const ws = inFolder(folder);
        return ws ? shippedBetween(ws.ships, target, source) : Promise.resolve({ kind: 'note', note: 'failed', message: 'the folder is no longer open' });
      },
      {
        line: (folder, environment, digest) => {
          const state = inFolder(folder)?.model.config;
          return state?.kind === 'ready' ? signedChains.line(state.config, state.workspaceDir, environment, digest) : Promise.resolve(undefined);
        },
        word: (folder, environment, digest) => {
          const state = inFolder(folder)?.model.config;
          return state?.kind === 'ready' ? signedChains.word(state.config, state.workspaceDir, environment, digest) : undefined;
        },
        seen: (snapshot) => signedChains.seen(snapshot),
      },
    ),
  );
  const buildsTree = own(new BuildsTree(workspaces, lookupDetails));
  const historyTree = own(
    new HistoryTree(workspaces, (key) => {
      const ws = workspaces.get(key);
      const state = ws?.model.config;
      return ws && state?.kind === 'ready' ? ws.history.file(state.workspaceDir) : undefined;
    }),
  );
  const gateChecks = own(new GateChecksTree());
  const views = [
    own(vscode.window.createTreeView('imagePromotion.environments', { treeDataProvider: trees.environments, showCollapseAll: false })),
    own(vscode.window.createTreeView('imagePromotion.builds', { treeDataProvider: buildsTree, showCollapseAll: false })),
    own(vscode.window.createTreeView('imagePromotion.history', { treeDataProvider: historyTree, showCollapseAll: true })),
  ];
  own(vscode.window.createTreeView('imagePromotion.gateChecks', { treeDataProvider: gateChecks, showCollapseAll: true }));
  own(new RefreshScheduler(workspaces, views, settings));
  const statusBar = own(new PromotionStatusBar(workspaces, settings.statusBar));
  const badge = own(new AttentionBadge(workspaces, views[0]!));
  const historyDocuments = new HistoryDocuments();
  own(vscode.workspace.registerTextDocumentContentProvider(HISTORY_SCHEME, historyDocuments));

  own(vscode.workspace.onDidGrantWorkspaceTrust(() => void workspaces.reloadAll()));
  own(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (
        ['dockerHost', 'insecureRegistries', 'historyFile', 'records', 'caFiles'].some((name) => e.affectsConfiguration(`imagePromotion.${name}`)) ||
        e.affectsConfiguration('http.systemCertificates')
      )
        void workspaces.refreshAll();
    }),
  );

  const refresh = async (folder?: FolderWorkspace): Promise<void> => {
    credentials.clear();
    await vscode.window.withProgress({ location: { viewId: 'imagePromotion.environments' } }, () =>
      folder ? folder.model.refresh() : workspaces.refreshAll(),
    );
  };
  const handlers = commandHandlers({
    workspaces,
    app,
    historyDocuments,
    log,
    refresh,
    interaction: () => interaction,
    extensionId: context.extension.id,
    secrets,
    showGateCheck: (check) => {
      gateChecks.show(check);
      void vscode.commands.executeCommand('imagePromotion.gateChecks.focus');
    },
  });
  for (const registration of registerCommands(handlers, { log, interaction: () => interaction, titles: commandTitles(context.extension.packageJSON) }))
    own(registration);

  return {
    get model() {
      return workspaces.primaryModel;
    },
    folders: () => workspaces.all.map((f) => ({ name: f.name, dir: f.dir, model: f.model })),
    logUri: context.logUri,
    refresh: () => workspaces.refreshAll(),
    useInteraction: (replacement) => {
      if (context.extensionMode !== vscode.ExtensionMode.Test) throw new Error('useInteraction is for extension tests only');
      interaction = replacement ?? new VsCodeInteraction();
    },
    signedIn: (registry) => {
      if (context.extensionMode !== vscode.ExtensionMode.Test) throw new Error('signedIn is for extension tests only');
      // Straight from SecretStorage, past the cache: what is really kept.
      return new SecretCredentials(context.secrets, context.globalState).get(registry);
    },
    glance: { statusBar: () => statusBar.state, badge: () => badge.badge },
    trees: { environments: trees.environments, builds: buildsTree, history: historyTree },
  };
}
