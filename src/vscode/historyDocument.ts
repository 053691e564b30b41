// A history record's details as a read-only Markdown document (image-promotion-history:/<id>.md).
import * as vscode from 'vscode';
import type { HistoryRecord } from '../history/record';
import { finishedAt } from '../history/record';

export const HISTORY_SCHEME = 'image-promotion-history';

export class HistoryDocuments implements vscode.TextDocumentContentProvider {
  private readonly records = new Map<string, HistoryRecord>();

  uriFor(record: HistoryRecord): vscode.Uri {
    this.records.set(record.id, record);
    return vscode.Uri.from({ scheme: HISTORY_SCHEME, path: `/${record.target.environment}-${record.id.slice(0, 8)}.md`, query: record.id });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const record = this.records.get(uri.query);
    return record ? renderRecord(record) : 'This history entry is no longer loaded; open it again from the History view.';
  }
}

export function renderRecord(r: HistoryRecord): string {
  const who = `${r.who.name ?? r.who.user}${r.who.email ? ` <${r.who.email}>` : ''}`;
  const lines = [
    `# ${r.kind === 'rollback' ? 'Rollback' : 'Promotion'} into ${r.target.environment}: ${r.outcome}`,
    '',
    r.message,
    '',
    `| | |`,
    `|---|---|`,
    `| When | ${r.time} (took ${(r.durationMs / 1000).toFixed(1)} s, finished ${new Date(finishedAt(r)).toISOString()}) |`,
    `| Who | ${who} |`,
    ...(r.source.buildTag || r.source.revision ? [`| Build | ${[r.source.buildTag, r.source.revision ? `revision \`${r.source.revision}\`` : ''].filter(Boolean).join(', ')} |`] : []),
    `| Source | ${r.source.label} (${r.source.repository}) |`,
    `| Target | ${r.target.environment} → ${r.target.repository}:${r.target.tag} |`,
    `| Digest | \`${r.digest ?? '—'}\` |`,
    `| Before | \`${r.previousDigest ?? 'empty'}\` |`,
    `| After | \`${r.finalDigest === undefined ? 'not read' : (r.finalDigest ?? 'empty')}\` |`,
    `| Transport | ${r.transport} |`,
  ];
  if (r.override) lines.push(`| Gates overridden | ${r.override.gates.join(', ')} (by ${r.override.by}) |`);
  lines.push('', '## Gates', '');
  for (const g of r.gates) {
    lines.push(`- **${g.name}** (${g.type}) — ${g.status}: ${g.reason}${g.durationMs >= 100 ? ` (${(g.durationMs / 1000).toFixed(1)} s)` : ''}`);
    for (const d of g.details ?? []) lines.push(`  - \`${d.replace(/`/g, "'")}\``);
  }
  lines.push('', `Record ${r.id}`, '');
  return lines.join('\n');
}
