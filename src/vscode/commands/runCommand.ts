// Runs one of the extension's own commands by its typed id: a misspelt or removed id does not compile.
import * as vscode from 'vscode';
import type { CommandHandlers, CommandId } from './registerCommands';

export function runCommand<K extends CommandId>(id: K, ...args: Parameters<CommandHandlers[K]>): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}
