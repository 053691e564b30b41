// "Compare Environments…" (palette: pick two) and "Compare with Previous Environment" (a row): two
// environments side by side in a read-only webview, with the commits between them; each commit opens
// in VS Code's git view (the built-in git extension's git.viewCommit).
import * as vscode from 'vscode';
import type { Repository } from '../../core/reference';
import { sentences } from '../../core/sentences';
import type { ImageDetails } from '../../images/imageDetails';
import { compareEnvironments, type Comparison } from '../../model/compare';
import type { PromotionModel } from '../../model/promotionModel';
import type { EnvironmentRow } from '../../model/snapshot';
import type { RegistryClient } from '../../registry/registryClient';
import type { UserInteraction } from '../interaction';
import { buildLabel, buildTagOf } from '../../app/text/buildLabel';
import { compareHtml, compareTitle, VIEW_COMMIT_COMMAND } from '../../app/text/compareHtml';
import type { PromotionNode } from '../tree/nodes';

export interface CompareDeps {
  readonly model: PromotionModel;
  readonly registry: RegistryClient;
  readonly describe: (repo: Repository, digest: string, signal?: AbortSignal) => Promise<ImageDetails>;
  readonly interaction: () => UserInteraction;
  /** The workspace folder (URI) the page's commit links open in. */
  readonly folder?: string;
}

/** What the command opened (returned for extension tests). */
export interface CompareResult {
  readonly comparison: Comparison;
  readonly panel: vscode.WebviewPanel;
}

export async function compareCommand(deps: CompareDeps, node?: PromotionNode): Promise<CompareResult | undefined> {
  const ready = deps.model.config;
  const snapshot = deps.model.snapshot;
  if (ready.kind !== 'ready' || !snapshot) {
    deps.interaction().inform('Nothing to compare yet: the environments have not been read (is the promotion config valid?).');
    return undefined;
  }
  const rows = snapshot.environments;
  const pair = node?.kind === 'environment' ? withPrevious(rows, node.row.env.name) : await pickPair(deps, rows);
  if (typeof pair === 'string') {
    deps.interaction().inform(pair);
    return undefined;
  }
  if (!pair) return undefined;
  const [later, earlier] = pair;
  const comparison = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Comparing ${later.env.name} with ${earlier.env.name}…`, cancellable: true },
    (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return compareEnvironments(
        {
          registry: deps.registry,
          describe: deps.describe,
          buildTagOf: (digest) => buildTagOf(snapshot.builds, digest),
          workspaceDir: ready.workspaceDir,
          config: ready.config,
        },
        later,
        earlier,
        abort.signal,
      );
    },
  );
  const panel = vscode.window.createWebviewPanel('imagePromotion.compare', `Compare ${compareTitle(comparison)}`, vscode.ViewColumn.Active, {
    enableScripts: false,
    enableCommandUris: [VIEW_COMMIT_COMMAND],
    localResourceRoots: [],
  });
  panel.webview.html = compareHtml(comparison, deps.folder);
  return { comparison, panel };
}

/** Opens one commit of the workspace's repository in the built-in git extension's commit view. */
export async function viewCommit(workspaceDir: string | undefined, sha: unknown): Promise<void> {
  if (typeof sha !== 'string' || !/^[0-9a-f]{7,64}$/i.test(sha)) return;
  if (!workspaceDir) return void vscode.window.showWarningMessage(`Commit ${sha.slice(0, 7)}: no workspace folder is open.`);
  try {
    await vscode.commands.executeCommand('git.viewCommit', vscode.Uri.file(workspaceDir), sha);
  } catch (error) {
    void vscode.window.showWarningMessage(
      sentences(
        `VS Code's Git extension could not open commit ${sha.slice(0, 7)}: ${(error as Error).message}`,
        'Is the Git extension enabled and the folder open as a repository?',
      ),
    );
  }
}

function withPrevious(rows: readonly EnvironmentRow[], name: string): [EnvironmentRow, EnvironmentRow] | string {
  const index = rows.findIndex((r) => r.env.name === name);
  const row = rows[index];
  const previous = rows[index - 1];
  if (!row) return `There is no environment named ${name}.`;
  if (!previous) return `${name} is the first environment: there is none before it to compare with.`;
  return [row, previous];
}

async function pickPair(deps: CompareDeps, rows: readonly EnvironmentRow[]): Promise<[EnvironmentRow, EnvironmentRow] | string | undefined> {
  if (rows.length < 2) return 'There is only one environment: nothing to compare it with.';
  const describeRow = (row: EnvironmentRow): string => {
    const lookup = row.lookup;
    if (lookup.state === 'absent') return 'empty';
    if (lookup.state === 'error') return 'not read';
    return buildLabel({ tag: buildTagOf(deps.model.snapshot?.builds, lookup.digest) }, lookup.digest);
  };
  const ui = deps.interaction();
  // The later environment first (where a promotion lands), preselecting the last one.
  const first = await ui.pick(
    rows.map((row, i) => ({ label: row.env.name, description: describeRow(row), value: row, ...(i === rows.length - 1 ? { picked: true } : {}) })),
    { title: 'Compare Environments (1/2)', placeholder: 'The environment to compare' },
  );
  if (!first) return undefined;
  const others = rows.filter((r) => r !== first);
  const second = await ui.pick(
    others.map((row) => ({ label: row.env.name, description: describeRow(row), value: row, ...(row.index === first.index - 1 ? { picked: true } : {}) })),
    { title: `Compare ${first.env.name} with (2/2)`, placeholder: 'The environment to compare it with' },
  );
  if (!second) return undefined;
  return first.index > second.index ? [first, second] : [second, first];
}
