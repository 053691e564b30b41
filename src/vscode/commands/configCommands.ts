// "Create Promotion Config" (the empty view's button) and "Open Promotion Config".
import * as vscode from 'vscode';
import { fileExists } from '../fileExists';
import { guessImagesFromCompose, isComposeFileName, starterConfig } from '../../config/starterConfig';
import type { ConfigLoader } from '../configLoader';

export async function createConfig(loader: ConfigLoader): Promise<vscode.Uri | undefined> {
  const file = loader.configUri;
  if (!file) {
    void vscode.window.showErrorMessage('Open a folder first: the promotion config lives in the workspace folder.');
    return undefined;
  }
  if (await fileExists(file)) {
    await vscode.window.showTextDocument(file);
    return file;
  }
  const folder = vscode.Uri.joinPath(file, '..');
  const images = guessImagesFromCompose(await readComposeFiles(folder));
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(starterConfig(images[0])));
  await vscode.window.showTextDocument(file);
  if (images.length > 1) {
    void vscode.window.showInformationMessage(
      `The compose files name ${images.length} images; the config uses ${images[0]}. The others: ${images.slice(1).join(', ')}.`,
    );
  }
  await loader.reload();
  return file;
}

export async function openConfig(loader: ConfigLoader): Promise<void> {
  const file = loader.configUri;
  if (file && (await fileExists(file))) {
    await vscode.window.showTextDocument(file);
    return;
  }
  await createConfig(loader);
}

async function readComposeFiles(folder: vscode.Uri): Promise<{ name: string; text: string }[]> {
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(folder);
  } catch {
    return [];
  }
  const names = entries
    .filter(([name, type]) => type === vscode.FileType.File && isComposeFileName(name))
    .map(([name]) => name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({ name, text: new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, name))) })),
  );
}
