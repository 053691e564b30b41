// What promotion needs from a Docker engine, in the extension's own types (dockerode stays in its adapter).
import type { RegistryCredentials } from '../credentials/credentials';

export interface PushResult {
  /** The digest from the push stream's `aux` line: what the registry stored. */
  readonly digest?: string;
  readonly size?: number;
}

/** What the engine knows of an image it holds (`GET /images/{name}/json`): a local call, no registry. */
export interface EngineImage {
  /** The image id: for an image pulled from a registry, the digest of its config blob. */
  readonly id: string;
  /** `repository@sha256:…` for every manifest the engine pulled or pushed this image as. */
  readonly repoDigests: readonly string[];
  readonly os?: string;
  readonly architecture?: string;
  readonly variant?: string;
  /** The config's creation time as the engine prints it (RFC 3339). */
  readonly created?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The image's own Config (Env, Cmd, Entrypoint, …): what a container created from it gets by default. */
  readonly config?: Readonly<Record<string, unknown>>;
}

export type ProgressLine = (line: string) => void;

export interface ImageEngine {
  /** Where the engine is, for messages (`unix:///var/run/docker.sock`). */
  readonly address: string;
  ping(signal?: AbortSignal): Promise<void>;
  /** Whether the engine holds an image by reference (`repo@sha256:…` or `repo:tag`). */
  hasImage(reference: string, signal?: AbortSignal): Promise<boolean>;
  /** The image a reference names, or undefined when the engine holds none. */
  inspectImage(reference: string, signal?: AbortSignal): Promise<EngineImage | undefined>;
  /** Pulls; an error line in the stream rejects. */
  pull(reference: string, auth: RegistryCredentials | undefined, onProgress: ProgressLine, signal?: AbortSignal): Promise<void>;
  tag(source: string, repository: string, tag: string, signal?: AbortSignal): Promise<void>;
  /** Pushes `repository:tag`; an error line in the stream rejects. */
  push(repository: string, tag: string, auth: RegistryCredentials | undefined, onProgress: ProgressLine, signal?: AbortSignal): Promise<PushResult>;
}

/** A container as the engine lists it (`GET /containers/json?all=1`). */
export interface EngineContainer {
  readonly id: string;
  /** Without the engine's leading `/`. */
  readonly name: string;
  /** The image as the container was created with it (`repo:tag`, `repo@sha256:…` or an image id). */
  readonly image: string;
  /** The id of the image it runs (the config blob's digest). */
  readonly imageId: string;
  /** `running`, `exited`, `created`, `restarting`, `paused`, `dead`. */
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * What recreating a container needs, in the engine's own words (`GET /containers/{id}/json`): its
 * Config, HostConfig and the networks it is attached to, passed back to create as they were read.
 */
export interface ContainerDefinition {
  readonly id: string;
  readonly name: string;
  readonly imageId: string;
  readonly running: boolean;
  /** `State.ExitCode` and `State.Error` when it is not running. */
  readonly exitCode?: number;
  readonly error?: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly hostConfig: Readonly<Record<string, unknown>>;
  /** NetworkSettings.Networks: network name → endpoint settings. */
  readonly networks: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The body of `POST /containers/create`: Config's fields, HostConfig and the networks to attach. */
export interface ContainerCreate {
  readonly config: Readonly<Record<string, unknown>>;
  readonly hostConfig: Readonly<Record<string, unknown>>;
  readonly networks?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** What the runtime and the redeploy need from an engine's containers. */
export interface ContainerEngine {
  readonly address: string;
  /** Every container (running or not) carrying all of `labels`. */
  listContainers(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<EngineContainer[]>;
  /** Undefined when no such container exists (any more). */
  inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerDefinition | undefined>;
  inspectImage(reference: string, signal?: AbortSignal): Promise<EngineImage | undefined>;
  pull(reference: string, auth: RegistryCredentials | undefined, onProgress: ProgressLine, signal?: AbortSignal): Promise<void>;
  /** Returns the new container's id. */
  createContainer(name: string | undefined, body: ContainerCreate, signal?: AbortSignal): Promise<string>;
  startContainer(id: string, signal?: AbortSignal): Promise<void>;
  stopContainer(id: string, signal?: AbortSignal): Promise<void>;
  removeContainer(id: string, signal?: AbortSignal): Promise<void>;
  renameContainer(id: string, name: string, signal?: AbortSignal): Promise<void>;
}
