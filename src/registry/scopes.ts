// Token scopes as the Docker token protocol writes them: `repository:<name>:<actions>`, several in
// one request (a cross-repository mount needs `repository:target:pull,push repository:source:pull`).
// Pure helpers: parse, merge (the union of what we ask for and what a 401 challenge asks for), and
// the cache key a token is kept under.

export interface Scope {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** `repository:a/b:pull,push` → { type, name, actions }. The name may hold colons; undefined when malformed. */
export function parseScope(text: string): Scope | undefined {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  const actions = text
    .slice(last + 1)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  return { type: text.slice(0, first), name: text.slice(first + 1, last), actions };
}

/** Every scope in a `scope` value or list of them (space-separated, as challenges send several). */
export function splitScopes(values: readonly (string | undefined)[]): string[] {
  return values.flatMap((v) => (v ?? '').split(/\s+/)).filter(Boolean);
}

const ACTION_ORDER = ['pull', 'push', 'delete', '*'];

function actionRank(a: string): number {
  const i = ACTION_ORDER.indexOf(a);
  return i < 0 ? ACTION_ORDER.length : i;
}

/**
 * The union of scopes: one entry per type+name with every action asked for anywhere, sorted, so the
 * same need always gives the same string (and the same token cache entry). Malformed scopes are
 * kept as they are.
 */
export function mergeScopes(...lists: readonly (readonly string[])[]): string[] {
  const byResource = new Map<string, { type: string; name: string; actions: Set<string> }>();
  const verbatim = new Set<string>();
  for (const text of splitScopes(lists.flat())) {
    const scope = parseScope(text);
    if (!scope) {
      verbatim.add(text);
      continue;
    }
    const key = `${scope.type}:${scope.name}`;
    const entry = byResource.get(key) ?? { type: scope.type, name: scope.name, actions: new Set<string>() };
    for (const a of scope.actions) entry.actions.add(a);
    byResource.set(key, entry);
  }
  const merged = [...byResource.values()].map(
    (e) => `${e.type}:${e.name}:${[...e.actions].sort((a, b) => actionRank(a) - actionRank(b) || a.localeCompare(b)).join(',')}`,
  );
  return [...merged, ...verbatim].sort();
}

/** True when `granted` covers every action of every scope in `needed`. */
export function scopesCover(granted: readonly string[], needed: readonly string[]): boolean {
  const have = new Map<string, Set<string>>();
  for (const s of splitScopes(granted)) {
    const p = parseScope(s);
    if (p) have.set(`${p.type}:${p.name}`, new Set([...(have.get(`${p.type}:${p.name}`) ?? []), ...p.actions]));
  }
  return splitScopes(needed).every((s) => {
    const p = parseScope(s);
    if (!p) return false;
    const actions = have.get(`${p.type}:${p.name}`);
    return !!actions && (actions.has('*') || p.actions.every((a) => actions.has(a)));
  });
}

/** The key a token is cached under: registry and the merged scopes. */
export function tokenCacheKey(registry: string, scopes: readonly string[]): string {
  return `${registry}|${mergeScopes(scopes).join(' ')}`;
}

/** `repository:<path>:<actions>` */
export function repositoryScope(path: string, actions: string): string {
  return `repository:${path}:${actions}`;
}
