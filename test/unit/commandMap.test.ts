// The command map (src/vscode/commands/registerCommands.ts) against package.json: every contributed
// command has a handler, every handler a contribution, every menu entry and command link names one.
// The map's module needs VS Code at run time, so its keys are read from the source with TypeScript's
// parser (as vscode-pull-request-github's scripts/check-commands.js reads registerCommand calls).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '..', '..', '..');
const MAP_FILE = join(root, 'src', 'vscode', 'commands', 'registerCommands.ts');

interface Manifest {
  contributes: {
    commands?: { command: string; title?: string }[];
    menus?: Record<string, { command?: string; submenu?: string }[]>;
    viewsWelcome?: { contents: string }[];
    walkthroughs?: { steps?: { description?: string; completionEvents?: string[] }[] }[];
  };
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;

/** The keys of the object literal commandHandlers() returns; throws when the map is not plain literal keys. */
function handlerIds(source: string): string[] {
  const file = ts.createSourceFile(MAP_FILE, source, ts.ScriptTarget.Latest, true);
  const fn = file.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === 'commandHandlers');
  if (!fn?.body) throw new Error('registerCommands.ts has no function commandHandlers');
  const returned = fn.body.statements.filter(ts.isReturnStatement);
  if (returned.length !== 1 || !returned[0]!.expression) throw new Error('commandHandlers must have one return statement returning the map');
  let map: ts.Expression = returned[0]!.expression;
  while (ts.isSatisfiesExpression(map) || ts.isAsExpression(map) || ts.isParenthesizedExpression(map)) map = map.expression;
  if (!ts.isObjectLiteralExpression(map)) throw new Error('commandHandlers must return an object literal');
  return map.properties.map((p) => {
    if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p)) && ts.isStringLiteral(p.name)) return p.name.text;
    // A spread or a computed key would hide ids from this check.
    throw new Error(`the command map must list each id as a string literal key, not "${p.getText(file)}"`);
  });
}

function contributedIds(m: Manifest): string[] {
  return (m.contributes.commands ?? []).map((c) => c.command);
}

/** Commands named by menus, welcome-view links and walkthrough steps, each with where it was seen. */
function namedIds(m: Manifest): { id: string; where: string }[] {
  const named: { id: string; where: string }[] = [];
  for (const [menu, entries] of Object.entries(m.contributes.menus ?? {}))
    for (const e of entries) if (e.command) named.push({ id: e.command, where: `menus.${menu}` });
  const links = (text: string, where: string): void => {
    for (const match of text.matchAll(/command:([A-Za-z0-9_.-]+)/g)) named.push({ id: match[1]!, where });
  };
  for (const w of m.contributes.viewsWelcome ?? []) links(w.contents, 'viewsWelcome');
  for (const walk of m.contributes.walkthroughs ?? []) {
    for (const step of walk.steps ?? []) {
      links(step.description ?? '', 'walkthroughs');
      for (const event of step.completionEvents ?? [])
        if (event.startsWith('onCommand:')) named.push({ id: event.slice('onCommand:'.length), where: 'walkthroughs completionEvents' });
    }
  }
  return named;
}

/** The problems between a manifest and the map's ids; empty when they agree. */
function commandProblems(m: Manifest, handlers: readonly string[]): string[] {
  const contributed = contributedIds(m);
  const mapped = new Set(handlers);
  const declared = new Set(contributed);
  const ours = (id: string): boolean => id.startsWith('imagePromotion.');
  const problems = [
    ...contributed.filter((id) => !mapped.has(id)).map((id) => `${id} is contributed but has no handler in the command map`),
    ...handlers.filter((id) => !declared.has(id)).map((id) => `${id} has a handler but no entry in contributes.commands`),
    ...contributed.filter((id, i) => contributed.indexOf(id) !== i).map((id) => `${id} is contributed twice`),
    ...handlers.filter((id, i) => handlers.indexOf(id) !== i).map((id) => `${id} has two handlers`),
  ];
  // Our own view commands (imagePromotion.<view>.focus) are VS Code's, not the map's.
  const views = new Set(
    Object.values((m.contributes as { views?: Record<string, { id: string }[]> }).views ?? {})
      .flat()
      .map((v) => v.id),
  );
  for (const { id, where } of namedIds(m)) {
    if (!ours(id) || views.has(id.replace(/\.(focus|resetViewLocation|removeView|toggleVisibility)$/, ''))) continue;
    if (!declared.has(id)) problems.push(`${where} names ${id}, which is not in contributes.commands`);
    else if (!mapped.has(id)) problems.push(`${where} names ${id}, which has no handler`);
  }
  return problems;
}

describe('command map and package.json', () => {
  const source = readFileSync(MAP_FILE, 'utf8');

  it('every contributed command has a handler, every handler a contribution, every menu entry and link a command', () => {
    const ids = handlerIds(source);
    assert.ok(ids.length >= 10, `read ${ids.length} handlers from the map`);
    assert.deepEqual(commandProblems(manifest, ids), []);
  });

  it('fails when a handler is removed from the map', () => {
    const removed = source.replace(/^\s*'imagePromotion\.rollBack':.*$/m, '');
    assert.notEqual(removed, source, 'the map has a rollBack line to remove');
    const problems = commandProblems(manifest, handlerIds(removed));
    assert.ok(problems.includes('imagePromotion.rollBack is contributed but has no handler in the command map'), problems.join('\n'));
    assert.ok(
      problems.some((p) => p.startsWith('menus.view/item/context names imagePromotion.rollBack')),
      problems.join('\n'),
    );
  });

  it('fails when a handler has no contribution, and when a menu names an unknown command', () => {
    const extra = commandProblems(manifest, [...handlerIds(source), 'imagePromotion.nobodyContributesThis']);
    assert.deepEqual(extra, ['imagePromotion.nobodyContributesThis has a handler but no entry in contributes.commands']);
    const menus = { ...manifest.contributes.menus, 'view/title': [...(manifest.contributes.menus?.['view/title'] ?? []), { command: 'imagePromotion.typo' }] };
    const withTypo: Manifest = { contributes: { ...manifest.contributes, menus } };
    assert.deepEqual(commandProblems(withTypo, handlerIds(source)), ['menus.view/title names imagePromotion.typo, which is not in contributes.commands']);
  });

  it('refuses a map it cannot read exactly (a spread would hide ids)', () => {
    const spread = source.replace(/return \{/, 'return {\n    ...more,');
    assert.throws(() => handlerIds(spread), /string literal key/);
  });
});
