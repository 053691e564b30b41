import type * as vscode from 'vscode';
import { fileSize } from './workspaceFs';

/** Whether a workspace file exists (directly on the extension host's disk, else through VS Code's file system: remote folders work too). */
export async function fileExists(uri: vscode.Uri): Promise<boolean> {
  try {
    await fileSize(uri);
    return true;
  } catch {
    return false;
  }
}
