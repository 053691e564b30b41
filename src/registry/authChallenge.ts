// Parses `WWW-Authenticate` challenges (RFC 7235) as registries send them:
//   Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a/b:pull"
//   Basic realm="Registry Realm"

export interface Challenge {
  readonly scheme: string; // lower-cased: 'bearer' | 'basic' | …
  readonly params: Readonly<Record<string, string>>;
}

export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  const re = /\s*([A-Za-z][\w!#$%&'*+.^`|~-]*)(?:\s+((?:[\w!#$%&'*+.^`|~-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?\s*)*))?/y;
  let rest = header.trim();
  while (rest) {
    re.lastIndex = 0;
    const match = re.exec(rest);
    if (!match || !match[0]) break;
    const params: Record<string, string> = {};
    const paramRe = /([\w!#$%&'*+.^`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
    for (const p of (match[2] ?? '').matchAll(paramRe)) {
      params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    }
    challenges.push({ scheme: match[1]!.toLowerCase(), params });
    rest = rest.slice(match[0].length).replace(/^\s*,\s*/, '');
  }
  return challenges;
}
