// The Compare Environments page: a static HTML table (no scripts) in the editor's theme colours.
// Commits link to a command URI the webview allows, which opens them in VS Code's git view.
import type { CompareRow, Comparison, ComparedSide, Shipped } from '../../model/compare';
import { formatBytes } from '../../model/compare';
import { shippedCommits, shippedSummary } from './shippedText';

export const VIEW_COMMIT_COMMAND = 'imagePromotion.viewCommit';

export function compareTitle(c: Comparison): string {
  return `${c.left.env.name} ↔ ${c.right.env.name}`;
}

/** `folder`: the workspace folder (its URI) whose repository the commit links open in (multi-root workspaces). */
export function compareHtml(c: Comparison, folder?: string): string {
  const tables = (c.components ?? [{ name: '', left: c.left, right: c.right, rows: c.rows }])
    .map((part) => `${c.components ? `<h2>${esc(part.name)}</h2>\n` : ''}${table(part.left, part.right, part.rows)}`)
    .join('\n');
  // A release whose images ship different commits: a part per group of images.
  const parts = c.shipped.kind === 'release' && c.shipped.parts.length > 1 ? c.shipped.parts : undefined;
  const commits = parts
    ? parts
        .map((p) => `<h3>${esc(p.images.join(', '))}</h3>\n<p>${esc(shippedSummary(p.shipped, c.left.env.name))}</p>\n${commitList(p.shipped, folder)}`)
        .join('\n')
    : `<p>${esc(shippedSummary(c.shipped, c.left.env.name))}</p>\n${commitList(c.shipped, folder)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<title>${esc(compareTitle(c))}</title>
<style>
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px 16px; }
  table { border-collapse: collapse; width: 100%; margin: 12px 0; }
  th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--vscode-panel-border, #8884); word-break: break-all; }
  thead th { font-weight: 600; }
  tr.differs td { background: var(--vscode-diffEditor-insertedLineBackground, #8882); }
  tr.differs th::after { content: ' ≠'; color: var(--vscode-descriptionForeground); }
  .meta { color: var(--vscode-descriptionForeground); }
  .tag { border: 1px solid var(--vscode-descriptionForeground); border-radius: 3px; padding: 0 3px; font-size: 0.85em; }
  a { color: var(--vscode-textLink-foreground); }
  code { font-family: var(--vscode-editor-font-family); }
</style>
</head>
<body>
<h1>${esc(c.left.env.name)} and ${esc(c.right.env.name)}</h1>
<p>${esc(headline(c))}</p>
${tables}
<h2>Commits</h2>
${commits}
</body>
</html>
`;
}

function table(left: ComparedSide, right: ComparedSide, rows: readonly CompareRow[]): string {
  const body = rows
    .map((r) => `<tr class="${r.same ? 'same' : 'differs'}"><th scope="row">${esc(r.label)}</th><td>${cell(r.left)}</td><td>${cell(r.right)}</td></tr>`)
    .join('\n');
  return `<table>
<thead><tr><th></th><th scope="col">${esc(sideHeading(left))}</th><th scope="col">${esc(sideHeading(right))}</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

function commitList(shipped: Shipped, folder: string | undefined): string {
  const { commits, more } = shippedCommits(shipped);
  if (!commits.length) return '';
  return `<ol class="commits">\n${commits
    .map(
      (commit) =>
        `<li><a href="${commandUri(commit.sha, folder)}" title="Open ${esc(commit.sha)} in the git view"><code>${esc(commit.sha.slice(0, 7))}</code></a> ${esc(commit.subject)}${commit.merge ? ' <span class="tag">merge</span>' : ''} <span class="meta">— ${esc(commit.author)}, ${esc(commit.date.slice(0, 10))}</span></li>`,
    )
    .join('\n')}\n</ol>${more > 0 ? `<p class="meta">… and ${more} more (the list stops at ${commits.length}).</p>` : ''}`;
}

function headline(c: Comparison): string {
  const sides = c.components ?? [c];
  const same = sides.every((s) => s.left.state === 'present' && s.right.state === 'present' && s.left.digest === s.right.digest);
  if (same)
    return c.components
      ? `Both hold the same digests in all ${sides.length} images: ${c.left.env.name} is in step with ${c.right.env.name}.`
      : `Both hold the same digest: ${c.left.env.name} is in step with ${c.right.env.name}.`;
  return c.components
    ? `Promoting ${c.right.env.name} into ${c.left.env.name} would replace the left column with the right one, in each of the ${sides.length} images.`
    : `Promoting ${c.right.env.name} into ${c.left.env.name} would replace the left column with the right one.`;
}

function sideHeading(s: ComparedSide): string {
  const size = s.size?.platforms?.length ? ` · ${s.size.platforms.map((p) => `${p.platform} ${formatBytes(p.bytes)}`).join(', ')}` : '';
  return `${s.env.name} (${s.env.tag})${size}`;
}

function cell(text: string): string {
  return /^sha256:[0-9a-f]{64}$/.test(text) || /^[0-9a-f]{40,64}$/.test(text) ? `<code>${esc(text)}</code>` : esc(text);
}

function commandUri(sha: string, folder: string | undefined): string {
  return esc(`command:${VIEW_COMMIT_COMMAND}?${encodeURIComponent(JSON.stringify(folder ? [sha, folder] : [sha]))}`);
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
