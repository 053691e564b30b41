// A history record as Markdown (what the History entry's preview renders). Pure, so it is tested
// without an editor.
import type { HistoryRecord } from '../../history/record';
import { finishedAt } from '../../history/record';

export function renderRecord(r: HistoryRecord): string {
  // Records also come from the registry (anyone with push rights): their text is escaped, never markup.
  const who = t(`${r.who.name ?? r.who.user}${r.who.email ? ` <${r.who.email}>` : ''}`);
  const lines = [
    `# ${r.kind === 'rollback' ? 'Rollback' : 'Promotion'} into ${t(r.target.environment)}: ${t(r.outcome)}`,
    '',
    t(r.message),
    '',
    `| | |`,
    `|---|---|`,
    `| When | ${t(r.time)} (took ${(r.durationMs / 1000).toFixed(1)} s, finished ${new Date(finishedAt(r)).toISOString()}) |`,
    `| Who | ${who} |`,
    ...(r.source.buildTag || r.source.revision
      ? [
          `| Build | ${[r.source.buildTag ? t(r.source.buildTag) : '', r.source.revision ? `revision ${code(r.source.revision)}` : ''].filter(Boolean).join(', ')} |`,
        ]
      : []),
    `| Source | ${t(r.source.label)} (${t(r.source.repository)}) |`,
    `| Target | ${t(r.target.environment)} → ${t(`${r.target.repository}:${r.target.tag}`)} |`,
    `| Digest | ${code(r.digest ?? '—')} |`,
    `| Before | ${code(r.previousDigest ?? 'empty')} |`,
    `| After | ${code(r.finalDigest === undefined ? 'not read' : (r.finalDigest ?? 'empty'))} |`,
    `| Transport | ${t(r.transport)} |`,
  ];
  if (r.override) lines.push(`| Gates overridden | ${t(r.override.gates.join(', '))} (by ${t(r.override.by)}) |`);
  if (r.components?.length) {
    // A release: every image's digests (the rows above are its first image's).
    lines.push('', '## Images', '', '| Image | Digest | Before | After |', '|---|---|---|---|');
    for (const c of r.components)
      lines.push(
        `| ${t(c.name)} | ${code(c.digest ?? 'not resolved')} | ${code(c.previousDigest ?? 'empty')} | ${code(c.finalDigest === undefined ? 'not read' : (c.finalDigest ?? 'empty'))} |`,
      );
  }
  lines.push('', '## Gates', '');
  if (!r.gates.length) lines.push('_No gate ran._');
  for (const g of r.gates) {
    lines.push(`- **${t(g.name)}** (${t(g.type)}) — ${t(g.status)}: ${t(g.reason)}${g.durationMs >= 100 ? ` (${(g.durationMs / 1000).toFixed(1)} s)` : ''}`);
    for (const d of g.details ?? []) lines.push(`  - ${code(d)}`);
  }
  lines.push('', `Record ${code(r.id)}`, '');
  return lines.join('\n');
}

/** Plain text inside Markdown: markup characters (and a table's `|`) escaped, lines joined. */
function t(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/[\\`*_{}[\]()#+!|<>~]/g, '\\$&')
    .replace(/&/g, '&amp;');
}

/** A code span: backticks and table pipes cannot end it early. */
function code(text: string): string {
  return `\`${text.replace(/\r?\n/g, ' ').replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}
