// How a container is recreated with another image and the same configuration: the engine's own
// Config and HostConfig as they were read, with what came from the old image's defaults left out (so
// the new image's defaults apply: its PATH, its labels, its command), as Watchtower does.
import type { ContainerCreate, ContainerDefinition } from '../engine/engine';

type Config = Readonly<Record<string, unknown>>;

/** Fields a container inherits from its image when created without them. */
const FROM_IMAGE = ['Cmd', 'Entrypoint', 'WorkingDir', 'User', 'Healthcheck', 'StopSignal', 'OnBuild', 'Shell'] as const;

export function recreateSpec(container: ContainerDefinition, oldImage: Config | undefined, image: string): ContainerCreate {
  const config: Record<string, unknown> = { ...container.config, Image: image };
  const old = oldImage ?? {};
  for (const field of FROM_IMAGE) if (field in config && same(config[field], old[field])) delete config[field];
  config.Env = without(asStrings(config.Env), new Set(asStrings(old.Env)));
  config.Labels = withoutEntries(asMap(config.Labels), asMap(old.Labels));
  config.ExposedPorts = withoutKeys(asMap(config.ExposedPorts), asMap(old.ExposedPorts));
  config.Volumes = withoutKeys(asMap(config.Volumes), asMap(old.Volumes));
  // The engine names a container's host after its id unless told otherwise: the new one gets its own.
  if (typeof config.Hostname === 'string' && container.id.startsWith(config.Hostname)) delete config.Hostname;
  return { config, hostConfig: { ...container.hostConfig }, ...networksOf(container) };
}

/**
 * The new container can run beside the old one unless something only one of them can have is
 * configured: a fixed host port, or the host's network (whose ports it would share).
 */
export function sideBySideProblem(container: ContainerDefinition): string | undefined {
  const host = container.hostConfig;
  if (host.NetworkMode === 'host') return 'it uses the host network';
  const bindings = asMap(host.PortBindings) as Record<string, readonly { HostPort?: string }[] | null>;
  const fixed = Object.entries(bindings).flatMap(([port, list]) =>
    (list ?? []).filter((b) => b.HostPort && b.HostPort !== '0').map((b) => `${b.HostPort}→${port}`),
  );
  if (fixed.length) return `it publishes the fixed host port${fixed.length > 1 ? 's' : ''} ${fixed.join(', ')}`;
  return undefined;
}

/**
 * Every network the container is attached to, with its aliases, addresses and links: the one its
 * NetworkMode names first (the engine creates it there), then those it was connected to later.
 * None for none/host/container: (those modes have no networks of their own).
 */
function networksOf(container: ContainerDefinition): Pick<ContainerCreate, 'networks'> {
  const mode = typeof container.hostConfig.NetworkMode === 'string' ? container.hostConfig.NetworkMode : 'default';
  if (mode === 'none' || mode === 'host' || mode.startsWith('container:')) return {};
  const first = mode === 'default' ? 'bridge' : mode;
  const names = [first, ...Object.keys(container.networks).filter((n) => n !== first)].filter((n) => container.networks[n]);
  if (!names.length) return {};
  return { networks: Object.fromEntries(names.map((n) => [n, endpointOf(container, container.networks[n]!)])) };
}

/** What an endpoint was given (not what the engine assigned): fixed addresses, links, aliases but the container's own id. */
function endpointOf(container: ContainerDefinition, endpoint: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const aliases = asStrings(endpoint.Aliases).filter((a) => !container.id.startsWith(a));
  return {
    ...(endpoint.IPAMConfig ? { IPAMConfig: endpoint.IPAMConfig } : {}),
    ...(endpoint.Links ? { Links: endpoint.Links } : {}),
    ...(aliases.length ? { Aliases: aliases } : {}),
  };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function asMap(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function without(list: readonly string[], drop: ReadonlySet<string>): string[] {
  return list.filter((v) => !drop.has(v));
}

function withoutEntries(map: Record<string, unknown>, drop: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).filter(([k, v]) => !(k in drop && drop[k] === v)));
}

function withoutKeys(map: Record<string, unknown>, drop: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).filter(([k]) => !(k in drop)));
}
