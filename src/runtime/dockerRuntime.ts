// runs: docker — the running containers carrying the labels on an engine, each running the repo
// digests of its image (what the engine pulled it as).
import type { ContainerEngine } from '../engine/engine';
import type { RunningInstance, RuntimeReader } from './runtime';

/** `running` and `restarting` containers run their image; created, exited and dead ones run nothing. */
export const RUNNING_STATES: ReadonlySet<string> = new Set(['running', 'restarting']);

export function dockerReader(engine: () => Promise<ContainerEngine>, labels: Readonly<Record<string, string>>, host: string): RuntimeReader {
  const where = `containers ${labelText(labels)} on ${host}`;
  return {
    where,
    async read(signal) {
      const e = await engine();
      const containers = (await e.listContainers(labels, signal)).filter((c) => RUNNING_STATES.has(c.state));
      const digestsOf = new Map<string, Promise<string[]>>();
      const instances = await Promise.all(
        containers.map(async (c): Promise<RunningInstance> => {
          let digests = digestsOf.get(c.imageId);
          if (!digests) {
            digests = e.inspectImage(c.imageId, signal).then((image) => repoDigests(image?.repoDigests ?? []));
            digestsOf.set(c.imageId, digests);
          }
          return { name: c.name, digests: await digests };
        }),
      );
      return { where: `containers ${labelText(labels)} on ${e.address}`, instances: instances.sort((a, b) => a.name.localeCompare(b.name)) };
    },
  };
}

/** `repo@sha256:…` entries → their digests, once each. */
export function repoDigests(references: readonly string[]): string[] {
  return [...new Set(references.map((r) => r.slice(r.lastIndexOf('@') + 1)).filter((d) => d.startsWith('sha256:')))];
}

export function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
