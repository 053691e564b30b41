// Reading workspace files at start-up. vscode.workspace.fs answers through the workbench (a round
// trip to the window and back, each waiting its turn on a busy start-up: 0.1 to 1 s for one stat
// here); files on the extension host's own disk (`file:`) are read directly, as VS Code's disk
// provider would. Other schemes (virtual and remote file systems) still go through VS Code.
import { readFile as readLocalFile, stat as statLocal } from 'node:fs/promises';
import * as vscode from 'vscode';

export async function fileSize(uri: vscode.Uri): Promise<number> {
  return uri.scheme === 'file' ? (await statLocal(uri.fsPath)).size : (await vscode.workspace.fs.stat(uri)).size;
}

export async function readFileBytes(uri: vscode.Uri): Promise<Uint8Array> {
  return uri.scheme === 'file' ? await readLocalFile(uri.fsPath) : await vscode.workspace.fs.readFile(uri);
}
