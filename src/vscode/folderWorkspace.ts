// One workspace folder's promotion state: its config (loader and model), its history file, its
// promotions in flight and its commands. A multi-root workspace has one per folder; nothing here is
// shared with another folder except the app's services (registry, credentials, engine, details cache).
import * as vscode from 'vscode';
import { HistoryService } from '../app/historyService';
import type { AppServices } from '../app/services';
import type { FolderFacts } from '../app/workspaceFolders';
import { cachedGitHistory } from '../builds/gitHistory';
import type { Repository } from '../core/reference';
import { PromotionModel } from '../model/promotionModel';
import { PromoteCommands, type Memory } from './commands/promoteCommands';
import { ConfigLoader } from './configLoader';
import { withShippedCommits, type UserInteraction } from './interaction';
import { PromotionRunner } from './promotionRunner';
import type { Settings } from './settings';
import { shippedByConfirmation, type ShippedDeps } from './shippedLookup';

export interface FolderWorkspaceDeps {
  readonly app: AppServices;
  readonly settings: Settings;
  readonly log: vscode.LogOutputChannel;
  readonly diagnostics: vscode.DiagnosticCollection;
  readonly interaction: () => UserInteraction;
  readonly memory: Memory;
  /** A promotion started or ended somewhere: trees redraw. */
  readonly onBusyChanged: () => void;
}

export class FolderWorkspace implements vscode.Disposable {
  readonly model: PromotionModel;
  readonly loader: ConfigLoader;
  readonly history: HistoryService;
  readonly runner: PromotionRunner;
  readonly promote: PromoteCommands;
  readonly ships: ShippedDeps;

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    deps: FolderWorkspaceDeps,
  ) {
    const { app, settings, log } = deps;
    const dir = (): string | undefined => (this.model.config.kind === 'ready' ? this.model.config.workspaceDir : undefined);
    this.history = new HistoryService({
      // Read for this folder: a value in its own .vscode/settings.json counts.
      historyFile: () => settings.historyFile(folder.uri),
      records: settings.records,
      log,
      // Which folder's history it is, once there is more than one.
      warn: (message) => void vscode.window.showWarningMessage((vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? `${folder.name}: ${message}` : message),
    });
    this.model = new PromotionModel({
      ...app.snapshotServices(async () => {
        const d = dir();
        return d ? this.history.readFile(d) : undefined;
      }, dir),
      // Commit-SHA builds are ordered by this folder's own git history.
      gitHistory: cachedGitHistory(dir),
    });
    // Gates, rollback and the runner read between refreshes: the digests this folder's last snapshot saw.
    this.history.useRecords((file) =>
      app.withRecords(
        file,
        this.model.snapshot?.environments.map((row) => ({ env: row.env, digest: row.lookup.state === 'present' ? row.lookup.digest : null })) ?? [],
      ),
    );
    this.ships = {
      describe: (repo: Repository, digest: string, signal?: AbortSignal) => app.details.get(repo, digest, signal),
      workspaceDir: dir,
    };
    const folderApp = {
      promotion: app.promotion,
      history: this.history,
      records: app.records,
      log: app.log,
      attestations: app.attestations,
      documents: app.documents,
    };
    this.runner = new PromotionRunner({
      model: this.model,
      app: folderApp,
      interaction: () => withShippedCommits(deps.interaction(), (c, signal) => shippedByConfirmation(this.ships, c, signal)),
      onBusyChanged: deps.onBusyChanged,
    });
    this.promote = new PromoteCommands({
      model: this.model,
      runner: this.runner,
      interaction: deps.interaction,
      memory: folderMemory(deps.memory, folder),
      describe: (repo, digest) => app.details.get(repo, digest),
    });
    this.loader = new ConfigLoader(folder, this.model, deps.diagnostics, settings, log);
  }

  get key(): string {
    return this.folder.uri.toString();
  }

  get name(): string {
    return this.folder.name;
  }

  get dir(): string {
    return this.folder.uri.fsPath;
  }

  /** What the pure choices (src/app/workspaceFolders.ts) read. */
  get facts(): FolderFacts {
    return { key: this.key, name: this.folder.name, dir: this.folder.uri.fsPath, config: this.model.config.kind };
  }

  /** The image the folder's config names (the group node's description), or why there is none. */
  get image(): string | undefined {
    const state = this.model.config;
    return state.kind === 'ready' ? state.config.image : undefined;
  }

  dispose(): void {
    this.loader.dispose();
    this.model.dispose();
  }
}

/**
 * Answers remembered per folder (which environment "staging" means differs between folders). An answer
 * remembered before multi-root support, under the bare key, is still read.
 */
function folderMemory(memory: Memory, folder: vscode.WorkspaceFolder): Memory {
  const scoped = (key: string): string => `${key}@${folder.uri.toString()}`;
  return {
    get: <T>(key: string): T | undefined => memory.get<T>(scoped(key)) ?? memory.get<T>(key),
    update: (key, value) => memory.update(scoped(key), value),
  };
}
