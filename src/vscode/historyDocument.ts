// A history record's details as a read-only Markdown document (image-promotion-history:/<id>.md),
// opened in the Markdown preview: people read the entry rendered, not as its source.
import * as vscode from 'vscode';
import type { HistoryRecord } from '../history/record';
import { renderRecord } from '../app/text/historyMarkdown';

export { renderRecord } from '../app/text/historyMarkdown';

export const HISTORY_SCHEME = 'image-promotion-history';

export class HistoryDocuments implements vscode.TextDocumentContentProvider {
  private readonly records = new Map<string, HistoryRecord>();

  uriFor(record: HistoryRecord): vscode.Uri {
    this.records.set(record.id, record);
    return vscode.Uri.from({ scheme: HISTORY_SCHEME, path: `/${record.target.environment}-${record.id.slice(0, 8)}.md`, query: record.id });
  }

  /** Opens the entry rendered; the preview locks to this document (it does not follow the editor). */
  async open(record: HistoryRecord): Promise<vscode.Uri> {
    const uri = this.uriFor(record);
    await vscode.commands.executeCommand('markdown.showPreview', uri, { locked: true });
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const record = this.records.get(uri.query);
    return record ? renderRecord(record) : 'This history entry is no longer loaded; open it again from the History view.';
  }
}
