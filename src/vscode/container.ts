// The composition root: builds the services in order, registers views and commands, owns disposal.
// Nothing here awaits Docker or the network: activation stays fast.
import * as vscode from 'vscode';
import { composeServices } from '../app/services';
import { PromotionModel, type ConfigState } from '../model/promotionModel';
import { PromoteCommands } from './commands/promoteCommands';
import { commandHandlers, commandTitles, registerCommands } from './commands/registerCommands';
import { ConfigLoader } from './configLoader';
import { VsCodeInteraction, withShippedCommits, type UserInteraction } from './interaction';
import { shippedBetween, shippedByConfirmation } from './shippedLookup';
import type { Repository } from '../core/reference';
import { HISTORY_SCHEME, HistoryDocuments } from './historyDocument';
import { PromotionRunner } from './promotionRunner';
import { GateChecksTree } from './tree/gateChecksTree';
import { HistoryTree } from './tree/historyTree';
import type { HistoryContents } from '../history/historyStore';
import { RefreshScheduler } from './refreshScheduler';
import { settings } from './settings';
import { BuildsTree } from './tree/buildsTree';
import { EnvironmentsTree } from './tree/environmentsTree';
import { digestOf, type PromotionNode } from './tree/nodes';
import { PromotionStatusBar, type StatusBarState } from './statusBar';
import { AttentionBadge } from './viewBadge';

/** What activate() returns: read-only state for other extensions and tests, and a test-only seam. */
export interface ImagePromotionApi {
  readonly model: PromotionModel;
  refresh(): Promise<void>;
  /** Extension tests only: answer pickers and confirmations without a person. */
  useInteraction(interaction: UserInteraction | undefined): void;
  /** What the status bar and the view badge show now (tests read them here). */
  readonly glance: { statusBar(): StatusBarState; badge(): vscode.ViewBadge | undefined };
  /** This extension's log folder (context.logUri): the log channel's file is "Image Promotion.log" in it. */
  readonly logUri: vscode.Uri;
}

export function createContainer(context: vscode.ExtensionContext): ImagePromotionApi {
  const log = vscode.window.createOutputChannel('Image Promotion', { log: true });
  const own = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  own(log);

  const app = composeServices({
    log,
    ...settings,
    warn: (message) => void vscode.window.showWarningMessage(message),
    // Digests' details and build tags' digests never change: kept across sessions, bounded.
    detailsFile: vscode.Uri.joinPath(context.globalStorageUri, 'image-details.json').fsPath,
    workspaceDir: () => workspaceDir(),
  });
  const { credentials, details, history } = app;
  let readHistory: () => Promise<HistoryContents | undefined> = async () => undefined;
  const model = new PromotionModel(app.snapshotServices(() => readHistory()));
  function workspaceDir(): string | undefined {
    return model.config.kind === 'ready' ? model.config.workspaceDir : undefined;
  }
  own({ dispose: () => model.dispose() });

  // Gates, rollback and the runner read between refreshes: the digests the last snapshot saw.
  history.useRecords((file) =>
    app.withRecords(
      file,
      model.snapshot?.environments.map((row) => ({ env: row.env, digest: row.lookup.state === 'present' ? row.lookup.digest : null })) ?? [],
    ),
  );
  let interaction: UserInteraction = new VsCodeInteraction();
  const trees: { environments?: EnvironmentsTree } = {};
  const shipDeps = { describe: (repo: Repository, digest: string, signal?: AbortSignal) => details.get(repo, digest, signal), workspaceDir };
  const confirming = (): UserInteraction => withShippedCommits(interaction, (c, signal) => shippedByConfirmation(shipDeps, c, signal));
  const runner = new PromotionRunner({ model, app, interaction: confirming, onBusyChanged: () => trees.environments?.redraw() });
  const promoteCommands = new PromoteCommands({
    model,
    runner,
    interaction: () => interaction,
    memory: context.workspaceState,
    describe: (repo, digest) => details.get(repo, digest),
  });

  const lookupDetails = async (node: PromotionNode) => {
    const found = digestOf(node);
    return found ? details.get(found.repository, found.digest) : undefined;
  };
  trees.environments = own(
    new EnvironmentsTree(
      model,
      lookupDetails,
      (env) => runner.isPromoting(env),
      (target, source) => shippedBetween(shipDeps, target, source),
    ),
  );
  const buildsTree = own(new BuildsTree(model, lookupDetails));
  const historyTree = own(
    new HistoryTree(model, () => {
      const dir = workspaceDir();
      return dir ? history.file(dir) : undefined;
    }),
  );
  const gateChecks = own(new GateChecksTree());
  const views = [
    own(vscode.window.createTreeView('imagePromotion.environments', { treeDataProvider: trees.environments, showCollapseAll: false })),
    own(vscode.window.createTreeView('imagePromotion.builds', { treeDataProvider: buildsTree, showCollapseAll: false })),
    own(vscode.window.createTreeView('imagePromotion.history', { treeDataProvider: historyTree, showCollapseAll: true })),
  ];
  own(vscode.window.createTreeView('imagePromotion.gateChecks', { treeDataProvider: gateChecks, showCollapseAll: true }));
  own(new RefreshScheduler(model, views, settings));
  const statusBar = own(new PromotionStatusBar(model, settings.statusBar));
  const badge = own(new AttentionBadge(model, views[0]!));
  const historyDocuments = new HistoryDocuments();
  own(vscode.workspace.registerTextDocumentContentProvider(HISTORY_SCHEME, historyDocuments));

  readHistory = async () => {
    const dir = workspaceDir();
    return dir ? history.readFile(dir) : undefined;
  };

  const diagnostics = own(vscode.languages.createDiagnosticCollection('imagePromotion'));
  const setState = (state: ConfigState): void => {
    const value = state.kind === 'no-workspace' ? 'noWorkspace' : state.kind === 'no-config' ? 'noConfig' : state.kind === 'invalid' ? 'invalid' : 'ready';
    void vscode.commands.executeCommand('setContext', 'imagePromotion.state', value);
  };
  const loader = own(new ConfigLoader(model, diagnostics, settings, log, setState));
  own(vscode.workspace.onDidGrantWorkspaceTrust(() => void loader.reload()));
  own(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (['dockerHost', 'insecureRegistries', 'historyFile', 'records'].some((name) => e.affectsConfiguration(`imagePromotion.${name}`))) void model.refresh();
    }),
  );

  const refresh = async (): Promise<void> => {
    credentials.clear();
    await vscode.window.withProgress({ location: { viewId: 'imagePromotion.environments' } }, () => model.refresh());
  };
  const handlers = commandHandlers({
    model,
    app,
    history,
    runner,
    promote: promoteCommands,
    loader,
    historyDocuments,
    log,
    refresh,
    interaction: () => interaction,
    extensionId: context.extension.id,
    compare: { model, registry: app.registry, describe: shipDeps.describe, interaction: () => interaction },
    workspaceDir,
    showGateCheck: (check) => {
      gateChecks.show(check);
      void vscode.commands.executeCommand('imagePromotion.gateChecks.focus');
    },
  });
  for (const registration of registerCommands(handlers, { log, interaction: () => interaction, titles: commandTitles(context.extension.packageJSON) }))
    own(registration);

  void loader.reload();

  return {
    model,
    logUri: context.logUri,
    refresh: () => model.refresh(),
    useInteraction: (replacement) => {
      if (context.extensionMode !== vscode.ExtensionMode.Test) throw new Error('useInteraction is for extension tests only');
      interaction = replacement ?? new VsCodeInteraction();
    },
    glance: { statusBar: () => statusBar.state, badge: () => badge.badge },
  };
}
