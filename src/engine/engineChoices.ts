// The engines a person can choose from, as "Select Docker Engine…" lists them: the Docker contexts
// (~/.docker/contexts/meta/*/meta.json), DOCKER_HOST and the setting, each marked with whether
// promotions use it now. Which one is used is resolveEngineAddress's answer, never a second guess.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONTEXT_PREFIX, currentContextName, platformDefault, resolveEngineAddress, type EngineAddressInputs } from './engineAddress';

export interface EngineChoice {
  readonly kind: 'setting' | 'docker-host' | 'context';
  /** `imagePromotion.dockerHost`, `DOCKER_HOST`, or the context's name. */
  readonly name: string;
  /** The engine address it points at, as a person writes it (or why it cannot be read). */
  readonly address: string;
  /** Promotions and lookups go through this one now. */
  readonly inUse: boolean;
  /** The Docker CLI's current context (DOCKER_CONTEXT or config.json). */
  readonly current?: boolean;
  /** What imagePromotion.dockerHost is set to in order to choose it ('' clears the setting). */
  readonly settingValue: string;
  readonly problem?: string;
}

export interface EngineChoices {
  readonly choices: readonly EngineChoice[];
  /** The address in use and where it came from; undefined with `problem` when it cannot be resolved. */
  readonly used?: { readonly display: string; readonly source: string };
  readonly problem?: string;
}

export interface EngineChoiceInputs extends EngineAddressInputs {
  listDir?: (dir: string) => string[];
}

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string } };
}

export function listEngineChoices(inputs: EngineChoiceInputs): EngineChoices {
  const read = inputs.readFile ?? ((f: string) => readFileSync(f, 'utf8'));
  const list = inputs.listDir ?? ((d: string) => readdirSync(d));
  let used: EngineChoices['used'];
  let problem: string | undefined;
  try {
    const address = resolveEngineAddress(inputs);
    used = { display: address.display, source: address.source };
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  const setting = inputs.setting?.trim() ?? '';
  const dockerHost = inputs.env['DOCKER_HOST']?.trim() ?? '';
  const current = currentContextName(inputs, read) ?? 'default';
  // Which entry the resolution took, in resolveEngineAddress's order.
  const chosen: { kind: EngineChoice['kind']; name?: string } = setting.startsWith(CONTEXT_PREFIX)
    ? { kind: 'context', name: setting.slice(CONTEXT_PREFIX.length).trim() }
    : setting
      ? { kind: 'setting' }
      : dockerHost
        ? { kind: 'docker-host' }
        : { kind: 'context', name: current };

  const choices: EngineChoice[] = [];
  if (setting && !setting.startsWith(CONTEXT_PREFIX)) {
    choices.push({ kind: 'setting', name: 'imagePromotion.dockerHost', address: setting, inUse: chosen.kind === 'setting', settingValue: setting });
  }
  if (dockerHost) {
    // Clearing the setting falls back to DOCKER_HOST, so that is how it is chosen.
    choices.push({ kind: 'docker-host', name: 'DOCKER_HOST', address: dockerHost, inUse: chosen.kind === 'docker-host', settingValue: '' });
  }
  const contexts: { name: string; address: string; problem?: string }[] = [
    { name: 'default', address: dockerHost || platformDefault(inputs.platform).display },
  ];
  const metaDir = path.join(inputs.dockerConfigDir, 'contexts', 'meta');
  let ids: string[] = [];
  try {
    ids = list(metaDir);
  } catch {
    // No contexts directory: only the built-in default context.
  }
  for (const id of ids.sort()) {
    try {
      const meta = JSON.parse(read(path.join(metaDir, id, 'meta.json'))) as ContextMeta;
      if (!meta.Name || meta.Name === 'default') continue;
      const host = meta.Endpoints?.docker?.Host;
      contexts.push(host ? { name: meta.Name, address: host } : { name: meta.Name, address: '(no Docker endpoint)', problem: 'has no Docker endpoint' });
    } catch {
      contexts.push({ name: id.slice(0, 12), address: '(unreadable)', problem: `its metadata (${path.join(metaDir, id, 'meta.json')}) could not be read` });
    }
  }
  for (const c of contexts.sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)))) {
    const isCurrent = c.name === current;
    // With no setting and no DOCKER_HOST, the CLI's current context is what clearing the setting gives.
    const settingValue = isCurrent && !dockerHost ? '' : `${CONTEXT_PREFIX}${c.name}`;
    choices.push({
      kind: 'context',
      name: c.name,
      address: c.address,
      inUse: chosen.kind === 'context' && chosen.name === c.name && !problem,
      ...(isCurrent ? { current: true } : {}),
      settingValue,
      ...(c.problem ? { problem: c.problem } : {}),
    });
  }
  return { choices, ...(used ? { used } : {}), ...(problem ? { problem } : {}) };
}
