// Every command of the extension: one typed map from contributed id to handler (adding a command is
// one line here and its entry in package.json), each handler registered inside the one error
// boundary. test/unit/commandMap.test.ts checks this map against package.json.
import * as vscode from 'vscode';
import type { GateCheck } from '../../promotion/checkGates';
import type { AppServices } from '../../app/services';
import type { HistoryRecord } from '../../history/record';
import type { PromotionModel } from '../../model/promotionModel';
import type { ConfigLoader } from '../configLoader';
import type { HistoryDocuments } from '../historyDocument';
import type { HistoryService } from '../../app/historyService';
import type { UserInteraction } from '../interaction';
import { showError } from '../notifications';
import type { PromotionRunner } from '../promotionRunner';
import type { PromotionNode } from '../tree/nodes';
import { checkGatesCommand } from './checkGatesCommand';
import { compareCommand, viewCommit, type CompareDeps } from './compareCommand';
import { guardCommand } from './commandBoundary';
import { createConfig, openConfig } from './configCommands';
import { copyDigest, copyPullReference } from './copyCommands';
import type { PromoteCommands } from './promoteCommands';
import { rollBack } from './rollbackCommand';
import { selectEngine } from './selectEngineCommand';
import { settings } from '../settings';

/** What the handlers work with, built by the composition root. */
export interface CommandServices {
  readonly model: PromotionModel;
  readonly app: AppServices;
  readonly history: HistoryService;
  readonly runner: PromotionRunner;
  readonly promote: PromoteCommands;
  readonly loader: ConfigLoader;
  readonly historyDocuments: HistoryDocuments;
  readonly log: vscode.LogOutputChannel;
  /** The current one (extension tests swap it). */
  readonly interaction: () => UserInteraction;
  readonly refresh: () => Promise<void>;
  /** What Compare Environments… reads. */
  readonly compare: CompareDeps;
  readonly workspaceDir: () => string | undefined;
  /** publisher.name, for the walkthrough's id. */
  readonly extensionId: string;
  /** Puts a gate check in the Gate Checks view and reveals it. */
  readonly showGateCheck: (check: GateCheck) => void;
}

type Handler = (...args: never[]) => unknown;

/**
 * The map: its keys are the contributed command ids. Its return type is left to inference on purpose:
 * the literal's keys are the CommandId type.
 */
export function commandHandlers(s: CommandServices) {
  return {
    'imagePromotion.refresh': () => s.refresh(),
    'imagePromotion.promoteToStaging': (node?: PromotionNode) => s.promote.promoteTo('staging', node),
    'imagePromotion.promoteToProduction': (node?: PromotionNode) => s.promote.promoteTo('production', node),
    'imagePromotion.promote': (node?: PromotionNode) => s.promote.promotePick(node),
    'imagePromotion.promoteToNext': (node?: PromotionNode) => s.promote.promoteToNext(node),
    'imagePromotion.rollBack': (node?: PromotionNode) => rollBack(s, node),
    'imagePromotion.checkGates': (node?: PromotionNode) => checkGatesCommand({ ...s, show: s.showGateCheck }, node),
    'imagePromotion.showHistoryEntry': (record?: HistoryRecord) => (record ? s.historyDocuments.open(record) : undefined),
    'imagePromotion.compareEnvironments': () => compareCommand(s.compare),
    'imagePromotion.compareWithPrevious': (node?: PromotionNode) => compareCommand(s.compare, node),
    'imagePromotion.viewCommit': (sha?: string) => viewCommit(s.workspaceDir(), sha),
    'imagePromotion.copyDigest': (node?: PromotionNode) => copyDigest(node),
    'imagePromotion.copyPullReference': (node?: PromotionNode) => copyPullReference(node),
    'imagePromotion.createConfig': () => createConfig(s.loader),
    'imagePromotion.openConfig': () => openConfig(s.loader),
    'imagePromotion.showLog': () => s.log.show(true),
    'imagePromotion.selectEngine': () => selectEngine({ settings, interaction: s.interaction }),
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
