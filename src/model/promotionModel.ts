// The state both trees render: which config is loaded, and the latest snapshot for it.
// Refreshes are coalesced (one running, at most one queued) and results of a stale config dropped.
import type { ConfigDiagnostic, PromotionConfig } from '../config/types';
import type { Logger } from '../core/log';
import type { RememberedRows } from './lastRows';
import { rememberedSnapshot, takeSnapshot, withRememberedBuilds, type Snapshot, type SnapshotServices } from './snapshot';

export type ConfigState =
  | { readonly kind: 'no-workspace' }
  | { readonly kind: 'no-config'; readonly file: string }
  | { readonly kind: 'invalid'; readonly file: string; readonly diagnostics: readonly ConfigDiagnostic[] }
  | { readonly kind: 'ready'; readonly file: string; readonly config: PromotionConfig; readonly workspaceDir: string };

export class PromotionModel {
  private readonly listeners = new Set<() => void>();
  private state: ConfigState = { kind: 'no-workspace' };
  private current: Snapshot | undefined;
  /** A partial snapshot of the first refresh, shown until a complete one exists. */
  private partial: Snapshot | undefined;
  /** The rows the last refresh of this config showed (an earlier session's), until this one's first refresh answers. */
  private remembered: Snapshot | undefined;
  private kept: { readonly config: Extract<ConfigState, { kind: 'ready' }>; readonly snapshot: Snapshot } | undefined;
  private generation = 0;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private abort: AbortController | undefined;
  /** For the start-up timing line (the log only): when the model (the extension) started, the config was first ready, rows first shown. */
  private readonly createdAt = Date.now();
  private configReadyAt: number | undefined;
  private rowsShown = false;
  private rememberedShown = false;

  constructor(private readonly services: SnapshotServices & { log: Logger }) {}

  get config(): ConfigState {
    return this.state;
  }

  /** The latest complete snapshot: what commands act on. */
  get snapshot(): Snapshot | undefined {
    return this.current;
  }

  /** What the trees draw: the complete snapshot, or while there is none yet the parts already known, or the rows last shown (`remembered`). */
  get shown(): Snapshot | undefined {
    return this.current ?? this.partial ?? this.remembered;
  }

  /** While the config is broken: the last valid config and its snapshot, so the trees stay under an error row. */
  get lastGood(): { readonly config: Extract<ConfigState, { kind: 'ready' }>; readonly snapshot: Snapshot } | undefined {
    return this.state.kind === 'invalid' ? this.kept : undefined;
  }

  get isRefreshing(): boolean {
    return this.running !== undefined;
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  setConfig(state: ConfigState): void {
    this.generation++;
    this.abort?.abort();
    if (state.kind === 'invalid' && this.state.kind === 'ready' && this.current) this.kept = { config: this.state, snapshot: this.current };
    else if (state.kind !== 'invalid') this.kept = undefined;
    this.state = state;
    if (state.kind === 'ready') this.configReadyAt ??= Date.now();
    this.current = undefined;
    this.partial = undefined;
    this.remembered = undefined;
    this.fire();
    if (state.kind !== 'ready') return;
    // Drawn before the refresh starts (its first steps load modules and open connections on this thread).
    void this.showLastRows(state);
    void this.refresh();
  }

  /** The rows the last refresh of this config showed (read from disk beside the details cache at activation), until the fresh ones arrive. */
  private showLastRows(state: Extract<ConfigState, { kind: 'ready' }>): Promise<void> {
    const lastRows = this.services.lastRows;
    if (!lastRows) return Promise.resolve();
    const show = (rows: RememberedRows | undefined): void => {
      if (!rows || generation !== this.generation || this.current || this.partial) return;
      this.remembered = rememberedSnapshot(state.config, rows);
      if (!this.rememberedShown) {
        this.rememberedShown = true;
        this.services.log.info(
          `start-up: ${rows.lookups.length} remembered environment rows shown ${Date.now() - this.createdAt} ms after activation, marked as refreshing (the config ready after ${(this.configReadyAt ?? Date.now()) - this.createdAt} ms; rows as of ${new Date(rows.takenAt).toISOString()}; activated at ${new Date(this.createdAt).toISOString()})`,
        );
      }
      this.fire();
    };
    const generation = this.generation;
    // At once when the file has been read (it is, by the time a config is parsed); else when it is.
    const now = lastRows.peek(state.file, state.config);
    if (now !== 'not-read') {
      show(now);
      return Promise.resolve();
    }
    return lastRows.get(state.file, state.config).then(show);
  }

  /** Takes a new snapshot; a call during a refresh runs once more after it, however many callers asked. */
  refresh(): Promise<void> {
    if (this.running) {
      this.queued ??= this.running.then(() => {
        this.queued = undefined;
        return this.refresh();
      });
      return this.queued;
    }
    const state = this.state;
    if (state.kind !== 'ready') return Promise.resolve();
    const generation = this.generation;
    const abort = new AbortController();
    this.abort = abort;
    const started = Date.now();
    this.running = (async () => {
      this.fire();
      try {
        // Partial snapshots show the environments and the first builds while the rest are described.
        // While nothing fresh is on screen (a new window, a config just loaded) the environments' digests go first.
        const lookupsFirst = this.current === undefined;
        const snapshot = await takeSnapshot(
          state.config,
          this.services,
          abort.signal,
          (partial) => {
            // Only while nothing complete is shown: a later refresh replaces what is shown at once.
            if (generation !== this.generation || this.current) return;
            // The environments answer a round trip before the builds: their rows are drawn fresh, and the
            // remembered builds stay until the fresh ones are known (an empty Builds view is worse than a remembered one).
            const keepBuilds = this.remembered && partial.builds.state === 'ok' && !partial.builds.rows.length;
            this.partial = keepBuilds ? withRememberedBuilds(partial, this.remembered!) : partial;
            this.logFirstRows(partial, started, keepBuilds ? 'the builds remembered until theirs are read' : 'the builds still being read');
            this.fire();
          },
          { lookupsFirst },
        );
        if (generation !== this.generation) return;
        this.current = snapshot;
        this.partial = undefined;
        this.remembered = undefined;
        void this.services.lastRows?.put(state.file, state.config, {
          lookups: snapshot.environments.map((e) => e.lookup),
          builds: snapshot.builds,
          takenAt: snapshot.takenAt,
        });
        this.logFirstRows(snapshot, started, 'complete');
        this.services.log.debug(
          `refreshed ${snapshot.environments.length} environments and ${snapshot.builds.state === 'ok' ? snapshot.builds.rows.length : 0} builds in ${snapshot.durationMs} ms`,
        );
      } catch (error) {
        this.services.log.error(`refresh failed: ${(error as Error).message}`);
      } finally {
        this.running = undefined;
        this.fire();
      }
    })();
    // A config loaded meanwhile dropped this result: the caller waits for the snapshot of the config now loaded.
    return this.running.then(() => (generation !== this.generation ? (this.queued ?? this.running ?? this.refresh()) : undefined));
  }

  dispose(): void {
    this.abort?.abort();
    this.listeners.clear();
  }

  /** Once per session: how long from activation until the environments' rows could be drawn, and where that went. */
  private logFirstRows(snapshot: Snapshot, refreshStarted: number, what: string): void {
    if (this.rowsShown) return;
    this.rowsShown = true;
    const now = Date.now();
    const config = this.configReadyAt === undefined ? '' : `the config ready after ${this.configReadyAt - this.createdAt} ms, `;
    this.services.log.info(
      `start-up: ${snapshot.environments.length} environment rows ready ${now - this.createdAt} ms after activation (${config}their digests ${now - refreshStarted} ms into the first refresh, ${what}; the extension host has run ${Math.round(process.uptime() * 1000)} ms)`,
    );
  }

  private fire(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
