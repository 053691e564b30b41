// Tooltips are filled in lazily (resolveTreeItem): platforms and labels cost a manifest and a config read.
import type { HoldDocument } from '../../records/holds';
import * as vscode from 'vscode';
import { pullReference, repositoryName, type Repository } from '../../core/reference';
import type { ImageDetails } from '../../images/imageDetails';
import { describeMediaType } from '../../registry/mediaTypes';

export function digestTooltip(
  heading: string,
  repo: Repository,
  digest: string,
  details: ImageDetails | undefined,
  extra: string[] = [],
): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escape(heading)}**\n\n`);
  md.appendMarkdown(`Digest: \`${digest}\`\n\n`);
  md.appendMarkdown(`Pull: \`${pullReference(repo, digest)}\`\n\n`);
  if (details) {
    md.appendMarkdown(`Type: ${escape(describeMediaType(details.mediaType))}\n\n`);
    if (details.platforms.length) md.appendMarkdown(`Platforms: ${details.platforms.map((p) => `\`${p}\``).join(', ')}\n\n`);
    if (details.created) md.appendMarkdown(`Created: ${escape(formatTime(details.created))}\n\n`);
    if (details.revision) md.appendMarkdown(`Revision: \`${details.revision}\`\n\n`);
    const title = details.labels['org.opencontainers.image.title'];
    const description = details.labels['org.opencontainers.image.description'];
    if (title) md.appendMarkdown(`Title: ${escape(title)}\n\n`);
    if (description && description !== title) md.appendMarkdown(`Description: ${escape(description)}\n\n`);
  }
  for (const line of extra) md.appendMarkdown(`${line}\n\n`);
  return md;
}

export function repositoryLine(repo: Repository, tag: string): string {
  return `Tag: \`${repositoryName(repo)}:${tag}\``;
}

export function formatTime(iso: string): string {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return iso;
  return `${new Date(time)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')} (${relativeTime(time)})`;
}

export function relativeTime(time: number, now = Date.now()): string {
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 60) return 'just now';
  const units: [number, string][] = [
    [60 * 60 * 24 * 365, 'year'],
    [60 * 60 * 24 * 30, 'month'],
    [60 * 60 * 24, 'day'],
    [60 * 60, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${name}${n === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}

/** Text shown as itself in a Markdown tooltip. */
export function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The tooltip's line for a held environment: who, since when (and how long ago), why, the digest it names. */
export function holdTooltipLine(hold: HoldDocument, now = Date.now()): string {
  const since = `${formatTime(hold.at)} (${relativeTime(Date.parse(hold.at), now)})`;
  const names = hold.digest ? `; names \`${hold.digest}\` as bad` : '';
  return `**Held** by ${escape(hold.by)} since ${since}: ${escape(hold.reason)}${names}. Promotions into it are blocked until the hold is released (Release Hold); a rollback goes through.`;
}
