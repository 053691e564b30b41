// Answers the extension's pickers and confirmations inside the extension host, where VS Code
// refuses modal dialogs, through the extension's UserInteraction seam (Test mode only).
import * as vscode from 'vscode';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { AskOptions, PickFileOptions, PickItem, UserInteraction } from '../../src/vscode/interaction';
import type { Confirmation, MovedTarget } from '../../src/promotion/promote';
import { servicesFromEnv, type TestServices } from '../harness';
import { EXTENSION_ID, waitFor } from './constants';

export class ScriptedInteraction implements UserInteraction {
  readonly picks: { title: string; labels: string[]; picked: string[] }[] = [];
  readonly confirmations: Confirmation[] = [];
  readonly moved: MovedTarget[] = [];
  readonly warnings: { message: string; action: string }[] = [];
  readonly notes: string[] = [];
  readonly errors: { message: string; action: string }[] = [];
  /** The input boxes shown (never what was typed into them). */
  readonly asked: { title: string; prompt: string; password: boolean }[] = [];
  /** The open dialogs shown. */
  readonly files: { title: string; defaultFile: string | undefined }[] = [];

  constructor(
    private readonly answers: { pick?: string[]; ask?: string[]; file?: string[]; confirm?: boolean; moved?: boolean; warn?: boolean; error?: string } = {},
  ) {}

  async pick<T>(items: readonly PickItem<T>[], options: { title: string }): Promise<T | undefined> {
    this.picks.push({ title: options.title, labels: items.map((i) => i.label), picked: items.filter((i) => i.picked).map((i) => i.label) });
    const wanted = this.answers.pick?.[this.picks.length - 1];
    return items.find((i) => i.label === wanted)?.value;
  }

  async ask(options: AskOptions): Promise<string | undefined> {
    this.asked.push({ title: options.title, prompt: options.prompt, password: options.password === true });
    const typed = this.answers.ask?.[this.asked.length - 1];
    // What a person could not submit either: the box's own check refuses it.
    return typed !== undefined && options.validate?.(typed) === undefined ? typed : undefined;
  }

  async warn(message: string, _detail: string, action: string): Promise<boolean> {
    this.warnings.push({ message, action });
    return this.answers.warn ?? false;
  }

  inform(message: string): void {
    this.notes.push(message);
  }

  async showError(message: string, action: string): Promise<string | undefined> {
    this.errors.push({ message, action });
    return this.answers.error;
  }

  async pickFile(options: PickFileOptions): Promise<string | undefined> {
    this.files.push({ title: options.title, defaultFile: options.defaultFile });
    return this.answers.file?.[this.files.length - 1];
  }

  async confirm(c: Confirmation): Promise<boolean> {
    this.confirmations.push(c);
    return this.answers.confirm ?? true;
  }

  async confirmMovedTarget(m: MovedTarget): Promise<boolean> {
    this.moved.push(m);
    return this.answers.moved ?? false;
  }
}

export async function extensionApi(): Promise<ImagePromotionApi> {
  const ext = vscode.extensions.getExtension<ImagePromotionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed`);
  return ext.activate();
}

/** The extension's log so far ("Image Promotion.log" in its log folder; empty before the first line is written). */
export async function extensionLog(api: ImagePromotionApi): Promise<string> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(api.logUri, 'Image Promotion.log')).then(undefined, () => new Uint8Array());
  return new TextDecoder().decode(bytes);
}

export function configUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test window has no folder');
  return vscode.Uri.joinPath(folder.uri, '.promotion.yaml');
}

/** The test workspace's history file (the default location). */
export function historyFileUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test window has no folder');
  return vscode.Uri.joinPath(folder.uri, '.promotion', 'history.jsonl');
}

/**
 * A suite's shared set-up: the extension's API and the harness's services before it, scripted
 * answers dropped after each test, and after it the workspace's config put back and its history removed.
 */
export function hostSuite(ready: (api: ImagePromotionApi, svc: TestServices) => void): void {
  let api: ImagePromotionApi | undefined;
  let original: Uint8Array | undefined;
  before(async () => {
    api = await extensionApi();
    original = await vscode.workspace.fs.readFile(configUri());
    ready(api, servicesFromEnv()!);
  });
  afterEach(() => api?.useInteraction(undefined));
  after(async () => {
    if (original) await vscode.workspace.fs.writeFile(configUri(), original);
    await vscode.workspace.fs.delete(historyFileUri()).then(undefined, () => undefined);
  });
}

/** Writes the workspace's config and waits until the extension has loaded it (its watcher, not a call). */
export async function writeConfig(api: ImagePromotionApi, text: string, expect: 'ready' | 'invalid' | 'no-config' = 'ready'): Promise<void> {
  await vscode.workspace.fs.writeFile(configUri(), new TextEncoder().encode(text));
  const loaded = await waitFor(() => {
    const state = api.model.config;
    if (state.kind !== expect) return false;
    if (expect !== 'ready' || state.kind !== 'ready') return true;
    return text.includes(state.config.image) && !!api.model.snapshot;
  }, 20_000);
  if (!loaded) throw new Error(`the extension did not load the new config (state ${api.model.config.kind})`);
}
