// Every command of the extension: one typed map from contributed id to handler (adding a command is
// one line here and its entry in package.json), each handler registered inside the one error
// boundary. test/unit/commandMap.test.ts checks this map against package.json.
import * as vscode from 'vscode';
import type { GateCheck } from '../../promotion/checkGates';
import type { AppServices } from '../../app/services';
import type { HistoryRecord } from '../../history/record';
import type { FolderWorkspace } from '../folderWorkspace';
import type { HistoryDocuments } from '../historyDocument';
import type { UserInteraction } from '../interaction';
import { showError } from '../notifications';
import type { HistoryNode } from '../tree/historyTree';
import type { PromotionNode } from '../tree/nodes';
import type { Workspaces } from '../workspaces';
import { exportAdmissionPolicy } from './admissionPolicyCommand';
import { approveBuildCommand } from './approveCommand';
import { checkGatesCommand } from './checkGatesCommand';
import { compareCommand, viewCommit } from './compareCommand';
import { guardCommand } from './commandBoundary';
import { createConfig, openConfig } from './configCommands';
import { copyDigest, copyPullReference } from './copyCommands';
import { inFolder } from './folderResolution';
import { holdPromotions, releaseHold } from './holdCommands';
import { rollBack } from './rollbackCommand';
import { selectEngine } from './selectEngineCommand';
import { signInCommand, signOutCommand } from './signInCommands';
import type { SecretCredentials } from '../secretCredentials';
import { settings } from '../settings';

/** What the handlers work with, built by the composition root. */
export interface CommandServices {
  /** Every workspace folder's config, history and promotions: commands act in one of them. */
  readonly workspaces: Workspaces;
  readonly app: AppServices;
  readonly historyDocuments: HistoryDocuments;
  readonly log: vscode.LogOutputChannel;
  /** The current one (extension tests swap it). */
  readonly interaction: () => UserInteraction;
  /** One folder's refresh, or every folder's. */
  readonly refresh: (folder?: FolderWorkspace) => Promise<void>;
  /** publisher.name, for the walkthrough's id. */
  readonly extensionId: string;
  /** Puts a gate check in the Gate Checks view and reveals it. */
  readonly showGateCheck: (check: GateCheck) => void;
  /** Credentials kept by Sign In to Registry… (asked before the Docker config). */
  readonly secrets: SecretCredentials;
}

type Handler = (...args: never[]) => unknown;

/**
 * The map: its keys are the contributed command ids. Its return type is left to inference on purpose:
 * the literal's keys are the CommandId type.
 */
export function commandHandlers(s: CommandServices) {
  // From a tree row: that row's folder. From the palette: the only configured folder, or the person picks.
  const use = inFolder(s.workspaces, s.interaction);
  const compare = (ws: FolderWorkspace) => ({
    model: ws.model,
    registry: s.app.registry,
    describe: ws.ships.describe,
    interaction: s.interaction,
    // Commit links name their folder only when there is a choice (one folder: the links read as they always did).
    ...(s.workspaces.grouped ? { folder: ws.key } : {}),
  });
  const gatesDeps = (ws: FolderWorkspace) => ({
    model: ws.model,
    app: { promotion: s.app.promotion, history: ws.history },
    interaction: s.interaction,
    promote: ws.promote,
    show: s.showGateCheck,
  });
  const signInDeps = { app: s.app, secrets: s.secrets, workspaces: s.workspaces, interaction: s.interaction, log: s.log, refresh: () => s.refresh() };
  const holdDeps = (ws: FolderWorkspace) => ({ model: ws.model, app: s.app, interaction: s.interaction, refresh: () => s.refresh(ws) });
  const rollbackDeps = (ws: FolderWorkspace) => ({ model: ws.model, runner: ws.runner, history: ws.history, interaction: s.interaction });
  return {
    'imagePromotion.refresh': async (node?: PromotionNode) => {
      const folder = s.workspaces.get(node?.folder);
      return node?.kind === 'folder' && folder ? s.refresh(folder) : s.refresh();
    },
    'imagePromotion.promoteToStaging': (node?: PromotionNode) => use('Promote to Staging', node, (ws, row) => ws.promote.promoteTo('staging', row)),
    'imagePromotion.promoteToProduction': (node?: PromotionNode) => use('Promote to Production', node, (ws, row) => ws.promote.promoteTo('production', row)),
    'imagePromotion.promote': (node?: PromotionNode) => use('Promote…', node, (ws, row) => ws.promote.promotePick(row)),
    'imagePromotion.promoteToNext': (node?: PromotionNode) => use('Promote to Next Environment…', node, (ws, row) => ws.promote.promoteToNext(row)),
    'imagePromotion.rollBack': (node?: PromotionNode | HistoryNode) => use('Roll Back…', node, (ws, row) => rollBack(rollbackDeps(ws), row)),
    'imagePromotion.holdPromotions': (node?: PromotionNode) => use('Hold Promotions…', node, (ws, row) => holdPromotions(holdDeps(ws), row)),
    'imagePromotion.releaseHold': (node?: PromotionNode) => use('Release Hold', node, (ws, row) => releaseHold(holdDeps(ws), row)),
    'imagePromotion.approveBuild': (node?: PromotionNode) => use('Approve Build for Environment…', node, (ws, row) => approveBuildCommand(holdDeps(ws), row)),
    'imagePromotion.checkGates': (node?: PromotionNode) => use('Check Gates…', node, (ws, row) => checkGatesCommand(gatesDeps(ws), row)),
    'imagePromotion.showHistoryEntry': (record?: HistoryRecord) => (record ? s.historyDocuments.open(record) : undefined),
    'imagePromotion.compareEnvironments': (node?: PromotionNode) => use('Compare Environments…', node, (ws) => compareCommand(compare(ws))),
    'imagePromotion.compareWithPrevious': (node?: PromotionNode) =>
      use('Compare with Previous Environment', node, (ws, row) => compareCommand(compare(ws), row)),
    // The commit links of a Compare page name their folder; an older link names none and falls back to choosing.
    'imagePromotion.viewCommit': (sha?: string, folder?: string) =>
      use('View Commit', { folder }, (ws) => viewCommit(ws.model.config.kind === 'ready' ? ws.model.config.workspaceDir : ws.dir, sha)),
    'imagePromotion.copyDigest': (node?: PromotionNode) => copyDigest(node),
    'imagePromotion.copyPullReference': (node?: PromotionNode) => copyPullReference(node),
    'imagePromotion.createConfig': (node?: PromotionNode) => use('Create Promotion Config', node, (ws) => createConfig(ws.loader), 'unconfigured'),
    'imagePromotion.openConfig': (node?: PromotionNode) => use('Open Promotion Config', node, (ws) => openConfig(ws.loader), 'open'),
    'imagePromotion.exportAdmissionPolicy': (node?: PromotionNode) =>
      use('Export Admission Policy…', node, (ws) =>
        ws.model.config.kind === 'ready'
          ? exportAdmissionPolicy({
              config: ws.model.config.config,
              workspaceDir: ws.model.config.workspaceDir,
              interaction: s.interaction,
            })
          : undefined,
      ),
    'imagePromotion.showLog': () => s.log.show(true),
    'imagePromotion.selectEngine': () => selectEngine({ settings, interaction: s.interaction }),
    'imagePromotion.signIn': () => signInCommand(signInDeps),
    'imagePromotion.signOut': () => signOutCommand(signInDeps),
    'imagePromotion.openWalkthrough': () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', `${s.extensionId}#imagePromotion.gettingStarted`, false),
  } as const satisfies Record<`imagePromotion.${string}`, Handler>;
}

export type CommandHandlers = ReturnType<typeof commandHandlers>;
export type CommandId = keyof CommandHandlers;

/**
 * Registers every handler inside the boundary: an error is logged whole to the log channel and shown
 * short with "Show Log"; a cancellation is logged only. `titles` are package.json's command titles.
 */
export function registerCommands(
  handlers: CommandHandlers,
  deps: { readonly log: vscode.LogOutputChannel; readonly interaction: () => UserInteraction; readonly titles: ReadonlyMap<string, string> },
): vscode.Disposable[] {
  const boundary = { log: deps.log, show: (message: string) => showError(message, deps.interaction()), title: (id: string) => deps.titles.get(id) ?? id };
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, guardCommand(id, handler as (...args: unknown[]) => unknown, boundary)),
  );
}

/** The contributed titles by command id ("Roll Back…"), from the extension's package.json. */
export function commandTitles(packageJSON: unknown): ReadonlyMap<string, string> {
  const contributed = (packageJSON as { contributes?: { commands?: { command?: unknown; title?: unknown }[] } }).contributes?.commands ?? [];
  return new Map(contributed.filter((c) => typeof c.command === 'string' && typeof c.title === 'string').map((c) => [c.command as string, c.title as string]));
}
