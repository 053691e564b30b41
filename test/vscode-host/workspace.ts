// Fixture workspaces: a template folder copied to a temp dir, with ${NAME:-default} filled in from the environment.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { repoRoot } from './codeServer';

export interface WorkspaceOptions {
  /** Folder to copy. Default `<repo>/test/fixtures/workspace`. `null`: start empty. */
  template?: string | null;
  /** Values for ${NAME:-default}; looked up here first, then in process.env. */
  env?: Record<string, string | undefined>;
  /** Files to write (relative path → content) after copying, e.g. a `.promotion.yaml` made by a test. */
  files?: Record<string, string>;
  /** Name of the folder (what the Explorer and the window title show). Default `sample-app`. */
  name?: string;
}

export interface FixtureWorkspace {
  readonly path: string;
  dispose(): void;
}

export function defaultTemplate(): string {
  return join(repoRoot(), 'test', 'fixtures', 'workspace');
}

const SUBSTITUTED = new Set(['.yaml', '.yml', '.json']);

/** Replaces `${NAME}` / `${NAME:-default}` (NAME in upper case) from `env`, then process.env. */
export function substitute(text: string, env: Record<string, string | undefined> = {}): string {
  return text.replace(/\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}/g, (whole, name: string, fallback: string | undefined) => {
    const value = env[name] ?? process.env[name];
    if (value !== undefined && value !== '') return value;
    return fallback ?? whole;
  });
}

export function prepareWorkspace(options: WorkspaceOptions = {}): FixtureWorkspace {
  const parent = mkdtempSync(join(tmpdir(), 'imgpromo-ws-'));
  const path = join(parent, options.name ?? 'sample-app');
  mkdirSync(path);
  const template = options.template === undefined ? defaultTemplate() : options.template;
  if (template !== null) {
    cpSync(template, path, { recursive: true });
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile() && SUBSTITUTED.has(extname(entry.name))) {
          writeFileSync(full, substitute(readFileSync(full, 'utf8'), options.env));
        }
      }
    };
    walk(path);
  }
  for (const [relative, content] of Object.entries(options.files ?? {})) {
    const full = join(path, relative);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return { path, dispose: () => rmSync(parent, { recursive: true, force: true, maxRetries: 3 }) };
}

/** The multi-root fixture's folders: each a copy of the template naming its own repository. */
export const MULTI_ROOT_FOLDERS = ['app-a', 'app-b'] as const;

/**
 * A multi-root workspace: a `.code-workspace` file listing two folders, each a copy of the template
 * whose `IMGPROMO_TEST_REPOSITORY` is `multi/<folder>` or `repositories[folder]` (each config names its own repository).
 */
export function prepareMultiRootWorkspace(
  options: Omit<WorkspaceOptions, 'name' | 'files'> & { readonly repositories?: Partial<Record<(typeof MULTI_ROOT_FOLDERS)[number], string>> } = {},
): FixtureWorkspace {
  const parent = mkdtempSync(join(tmpdir(), 'imgpromo-multi-'));
  const parts = MULTI_ROOT_FOLDERS.map((name) => {
    const repository = options.repositories?.[name] ?? `multi/${name}`;
    const made = prepareWorkspace({ ...options, name, env: { ...options.env, IMGPROMO_TEST_REPOSITORY: repository } });
    cpSync(made.path, join(parent, name), { recursive: true });
    made.dispose();
    return name;
  });
  const file = join(parent, 'multi.code-workspace');
  writeFileSync(file, JSON.stringify({ folders: parts.map((path) => ({ path })), settings: {} }, null, 2));
  return { path: file, dispose: () => rmSync(parent, { recursive: true, force: true, maxRetries: 3 }) };
}
