// What promotion needs from a Docker engine, in the extension's own types (dockerode stays in its adapter).
import type { RegistryCredentials } from '../credentials/credentials';

export interface PushResult {
  /** The digest from the push stream's `aux` line: what the registry stored. */
  readonly digest?: string;
  readonly size?: number;
}

export type ProgressLine = (line: string) => void;

export interface ImageEngine {
  /** Where the engine is, for messages (`unix:///var/run/docker.sock`). */
  readonly address: string;
  ping(signal?: AbortSignal): Promise<void>;
  /** Whether the engine holds an image by reference (`repo@sha256:…` or `repo:tag`). */
  hasImage(reference: string, signal?: AbortSignal): Promise<boolean>;
  /** Pulls; an error line in the stream rejects. */
  pull(reference: string, auth: RegistryCredentials | undefined, onProgress: ProgressLine, signal?: AbortSignal): Promise<void>;
  tag(source: string, repository: string, tag: string, signal?: AbortSignal): Promise<void>;
  /** Pushes `repository:tag`; an error line in the stream rejects. */
  push(repository: string, tag: string, auth: RegistryCredentials | undefined, onProgress: ProgressLine, signal?: AbortSignal): Promise<PushResult>;
}
