import * as vscode from 'vscode';

/** Whether a workspace file exists (through VS Code's file system, so remote folders work too). */
export async function fileExists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
