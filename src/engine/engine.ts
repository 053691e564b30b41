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
