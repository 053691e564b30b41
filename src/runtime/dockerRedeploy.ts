// deploy: docker — the running containers carrying the labels, recreated one at a time with the
// promoted digest and their own configuration (containerSpec.ts). When nothing only one of them can
// have is configured, the new container is started (and seen running) before the old one is stopped
// and removed; otherwise the old one is stopped first, kept aside, and started again if its
// replacement does not run. Whatever stops it halfway, the person is told what runs and what is stopped.
// A release: each container is recreated with the promoted digest of the image it runs (known by its
// image's repository); a container of none of the release's repositories is left as it was, and said so.
import { randomBytes } from 'node:crypto';
import { errorMessage, isCancelled, PromotionError } from '../core/errors';
import { pullReference, shortDigest, type Repository } from '../core/reference';
import type { CredentialProvider } from '../credentials/credentials';
import type { ContainerEngine, EngineContainer } from '../engine/engine';
import { sleep } from '../gates/abortable';
import { recreateSpec, sideBySideProblem } from './containerSpec';
import { labelText, repoDigests, RUNNING_STATES } from './dockerRuntime';
import { isRepository } from './imageIds';
import type { RedeployInput, RedeployResult, Redeployer } from './redeploy';

/** How long a new container must keep running before it counts as started (one that exits at once does not). */
export const DEFAULT_SETTLE_MS = 1_500;
/** Containers with the labels may appear while the redeploy runs: it looks again, this many times at most. */
const MAX_PASSES = 3;

export interface DockerRedeployOptions {
  readonly settleMs?: number;
}

export function dockerRedeployer(
  engine: () => Promise<ContainerEngine>,
  labels: Readonly<Record<string, string>>,
  credentials: CredentialProvider,
  options: DockerRedeployOptions = {},
): Redeployer {
  return {
    what: `recreate the containers ${labelText(labels)}`,
    async redeploy(input) {
      const e = await engine();
      return new DockerRedeploy(e, labels, credentials, input, options.settleMs ?? DEFAULT_SETTLE_MS).run();
    },
  };
}

/** One image the containers may run: what they are recreated with. */
interface Target {
  /** The release's image name ('' for a single image). */
  readonly name: string;
  readonly repository: Repository;
  readonly digest: string;
  readonly reference: string;
}

class DockerRedeploy {
  private readonly targets: readonly Target[];
  private readonly pulled = new Map<string, Promise<void>>();
  private readonly lines: string[] = [];
  private readonly recreated: string[] = [];
  /** Containers that run the digest now: found so, or created here. */
  private readonly done = new Set<string>();
  private readonly digestsOf = new Map<string, Promise<string[]>>();

  constructor(
    private readonly engine: ContainerEngine,
    private readonly labels: Readonly<Record<string, string>>,
    private readonly credentials: CredentialProvider,
    private readonly input: RedeployInput,
    private readonly settleMs: number,
  ) {
    const images = input.context.components ?? [{ name: '', repository: input.repository, digest: input.digest }];
    this.targets = images.map((c) => ({ name: c.name, repository: c.repository, digest: c.digest, reference: pullReference(c.repository, c.digest) }));
  }

  /** What a container is recreated with: the only image, or the release's image whose repository it runs (undefined: none). */
  private async targetOf(c: EngineContainer): Promise<Target | undefined> {
    if (this.targets.length === 1) return this.targets[0];
    const image = await this.engine.inspectImage(c.imageId, this.signal);
    const seenAs = [c.image, ...(image?.repoDigests ?? []).map((r) => r.slice(0, r.lastIndexOf('@')))];
    return this.targets.find((t) => seenAs.some((n) => n && isRepository(n, t.repository)));
  }

  /** Pulls a target's digest once, the first time a container needs it. */
  private pull(target: Target): Promise<void> {
    let pulled = this.pulled.get(target.reference);
    if (!pulled) {
      pulled = (async () => {
        this.input.progress(`Redeploying: pulling ${target.name ? `${target.name} ` : ''}${shortDigest(target.digest)} into ${this.engine.address}…`);
        await this.engine.pull(
          target.reference,
          await this.credentials.get(target.repository.registry, this.signal),
          (l) => this.log.debug(`pull: ${l}`),
          this.signal,
        );
      })();
      this.pulled.set(target.reference, pulled);
    }
    return pulled;
  }

  private get log(): RedeployInput['context']['log'] {
    return this.input.context.log;
  }

  private get signal(): AbortSignal | undefined {
    return this.input.context.signal;
  }

  async run(): Promise<RedeployResult> {
    const short = this.targets.length === 1 ? shortDigest(this.targets[0]!.digest) : "its own image's digest of the release";
    // A single image is pulled before anything is looked at, as it always was; a release's, as containers need them.
    if (this.targets.length === 1) await this.pull(this.targets[0]!);
    const strangers = new Set<string>();
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      const listed = (await this.engine.listContainers(this.labels, this.signal)).sort((a, b) => a.name.localeCompare(b.name));
      if (pass === 1) this.noteStopped(listed);
      const todo: { container: EngineContainer; target: Target }[] = [];
      for (const c of listed) {
        if (this.done.has(c.id) || strangers.has(c.id) || !RUNNING_STATES.has(c.state)) continue;
        const target = await this.targetOf(c);
        if (!target) {
          strangers.add(c.id);
          this.lines.push(`${c.name} runs ${c.image}, an image of none of the release's repositories, and was left as it was`);
        } else if ((await this.digests(c.imageId)).includes(target.digest)) this.done.add(c.id);
        else todo.push({ container: c, target });
      }
      if (!todo.length) break;
      if (pass === 1 && !listed.some((c) => RUNNING_STATES.has(c.state)))
        return { ok: false, says: `no running container carries ${labelText(this.labels)} on ${this.engine.address}: nothing to recreate` };
      if (pass > 1)
        this.lines.push(
          `${names(todo.map((t) => t.container))} appeared with the labels during the redeploy and ${todo.length === 1 ? 'was' : 'were'} recreated too`,
        );
      for (const { container, target } of todo) {
        await this.pull(target);
        const failed = await this.recreate(container, target);
        if (failed) return this.result(false, failed);
      }
    }
    if (!this.done.size) return { ok: false, says: `no running container carries ${labelText(this.labels)} on ${this.engine.address}: nothing to recreate` };
    const what = this.recreated.length
      ? `recreated ${this.recreated.join(', ')}${this.targets.length === 1 ? ` with ${short}` : ''} on ${this.engine.address}`
      : `every container ${labelText(this.labels)} already ran ${short}`;
    return this.result(true, what);
  }

  private result(ok: boolean, says: string): RedeployResult {
    return { ok, says: [says, ...this.lines].join('; '), ...(this.lines.length ? { details: this.lines } : {}) };
  }

  private noteStopped(listed: readonly EngineContainer[]): void {
    const stopped = listed.filter((c) => !RUNNING_STATES.has(c.state));
    if (stopped.length)
      this.lines.push(
        `${names(stopped)} ${stopped.length === 1 ? 'was' : 'were'} not running and ${stopped.length === 1 ? 'was' : 'were'} left as ${stopped.length === 1 ? 'it was' : 'they were'}`,
      );
  }

  private digests(imageId: string): Promise<string[]> {
    let found = this.digestsOf.get(imageId);
    if (!found) {
      found = this.engine.inspectImage(imageId, this.signal).then((i) => repoDigests(i?.repoDigests ?? []));
      this.digestsOf.set(imageId, found);
    }
    return found;
  }

  /** One container; undefined when it was recreated (or went away meanwhile), else what went wrong and what runs. */
  private async recreate(listed: EngineContainer, target: Target): Promise<string | undefined> {
    const state = new RecreateState(listed.name);
    try {
      const container = await this.engine.inspectContainer(listed.id, this.signal);
      if (!container) {
        this.lines.push(`${listed.name} was removed by someone else during the redeploy`);
        return undefined;
      }
      const oldImage = await this.engine.inspectImage(container.imageId, this.signal);
      const spec = recreateSpec(container, oldImage?.config, target.reference);
      const problem = sideBySideProblem(container);
      const suffix = target.digest.slice('sha256:'.length, 'sha256:'.length + 7);
      this.input.progress(`Redeploying: recreating ${container.name}…`);
      if (!problem) {
        // Started and seen running before the old one stops: the old one is never removed before a new one runs.
        const temporary = `${container.name}-${suffix}-${randomBytes(2).toString('hex')}`;
        state.newName = temporary;
        state.newId = await this.engine.createContainer(temporary, spec, this.signal);
        const start = await this.startAndSettle(state.newId, state);
        if (start) {
          await this.discard(state);
          return `the new container for ${container.name} ${start}; ${container.name} keeps running the digest it ran`;
        }
        state.newRunning = true;
        state.oldRunning = false;
        await this.engine.stopContainer(container.id, this.signal);
        await this.engine.removeContainer(container.id, this.signal);
        state.oldGone = true;
        await this.engine.renameContainer(state.newId, container.name, this.signal);
        state.newName = container.name;
      } else {
        this.lines.push(`${container.name} was stopped before its replacement started, since ${problem} (two containers cannot have it at once)`);
        state.oldRunning = false;
        await this.engine.stopContainer(container.id, this.signal);
        const aside = `${container.name}-previous-${randomBytes(2).toString('hex')}`;
        await this.engine.renameContainer(container.id, aside, this.signal);
        state.oldName = aside;
        state.newName = container.name;
        state.newId = await this.engine.createContainer(container.name, spec, this.signal);
        const start = await this.startAndSettle(state.newId, state);
        if (start) {
          await this.discard(state);
          const back = await this.putBack(container.id, container.name, state);
          return `the new container for ${container.name} ${start}; ${back}`;
        }
        state.newRunning = true;
        await this.engine.removeContainer(container.id, this.signal);
        state.oldGone = true;
      }
      this.done.add(state.newId!);
      this.recreated.push(this.targets.length > 1 ? `${container.name} (${target.name} ${shortDigest(target.digest)})` : container.name);
      this.log.info(`redeploy: ${container.name} recreated with ${target.reference} (${state.newId!.slice(0, 12)})`);
      return undefined;
    } catch (error) {
      if (isCancelled(error)) throw new PromotionError('cancelled', `cancelled while recreating ${listed.name}: ${state.words()}`);
      this.log.error(`redeploy: recreating ${listed.name} stopped: ${errorMessage(error)}`);
      return `recreating ${listed.name} stopped: ${errorMessage(error)}; ${state.words()}`;
    }
  }

  /** Undefined when it runs after the settle time; else what happened to it. */
  private async startAndSettle(id: string, state: RecreateState): Promise<string | undefined> {
    try {
      await this.engine.startContainer(id, this.signal);
      state.newStarted = true;
    } catch (error) {
      if (isCancelled(error) || (error instanceof PromotionError && error.kind === 'engine-unreachable')) throw error;
      return `could not start: ${errorMessage(error)}`;
    }
    await sleep(this.settleMs, this.signal);
    const now = await this.engine.inspectContainer(id, this.signal);
    if (now?.running) return undefined;
    if (!now) return 'was removed right after it started';
    return `exited at once (exit code ${now.exitCode ?? '?'}${now.error ? `: ${now.error}` : ''})`;
  }

  /** The new container that did not run is removed (best effort: said when it cannot be). */
  private async discard(state: RecreateState): Promise<void> {
    if (!state.newId) return;
    try {
      await this.engine.removeContainer(state.newId, this.signal);
      state.newId = undefined;
    } catch (error) {
      this.lines.push(`the failed new container ${state.newName} could not be removed (${errorMessage(error)})`);
    }
  }

  /** Stop-first: the old container back under its name, started again. */
  private async putBack(id: string, name: string, state: RecreateState): Promise<string> {
    try {
      await this.engine.renameContainer(id, name, this.signal);
      state.oldName = name;
      await this.engine.startContainer(id, this.signal);
      state.oldRunning = true;
      return `the old ${name} was started again and runs the digest it ran`;
    } catch (error) {
      return `the old container could not be started again (${errorMessage(error)}): ${state.words()}`;
    }
  }
}

/** What is known of one container being recreated, for the words when it stops halfway. */
class RecreateState {
  oldName: string;
  oldRunning = true;
  oldGone = false;
  newId: string | undefined;
  newName: string | undefined;
  newStarted = false;
  newRunning = false;

  constructor(readonly name: string) {
    this.oldName = name;
  }

  words(): string {
    const old = this.oldGone
      ? `the old ${this.name} was removed`
      : this.oldRunning
        ? `the old ${this.name} still runs${this.oldName !== this.name ? ` as ${this.oldName}` : ''}`
        : `the old ${this.name} may be STOPPED${this.oldName !== this.name ? ` (now named ${this.oldName})` : ''}: check it, and start it with docker start ${this.oldName} if the new one does not run`;
    const fresh = !this.newId
      ? 'no new container runs'
      : this.newRunning
        ? `the new one runs as ${this.newName}`
        : this.newStarted
          ? `a new container ${this.newName} was started, but whether it still runs could not be checked`
          : `a new container ${this.newName} was created but does not run`;
    return `${old}; ${fresh}`;
  }
}

function names(list: readonly EngineContainer[]): string {
  return list.map((c) => c.name).join(', ');
}
