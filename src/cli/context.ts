// What every command starts from: the options common to all, the loaded config and the composed core.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { diagnosticLines, loadConfigFile } from '../app/configFile';
import { identity } from '../app/holdActions';
import { composeServices, type AppServices } from '../app/services';
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { DEFAULT_CONFIG_FILE } from '../config/types';
import { isDigest, repositoryName, shortDigest } from '../core/reference';
import { lookupEnvironment, type Lookup } from '../model/snapshot';
import { findEnvironment } from '../promotion/plan';
import { parseRecordsSetting, type RecordsSetting } from '../records/promotionRecords';
import type { PromotionSource } from '../promotion/promote';
import type { TransportSetting } from '../promotion/transport';
import { cliCacheDir } from './cacheDir';
import type { TrustSetting } from '../registry/transport/trust';
import { CliError, EXIT } from './exitCodes';
import { Output } from './output';
import { approverFromEnv } from './prompts';
import { testClock } from './testClock';

export interface CommonOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
  readonly dockerHost?: string;
  readonly insecureRegistry?: string[];
  readonly caFile?: string[];
  readonly timeout?: string;
  readonly historyFile?: string;
  readonly restricted?: boolean;
  readonly transport?: string;
  readonly records?: string;
  readonly signingKey?: string;
}

export interface CliContext {
  readonly out: Output;
  readonly app: AppServices;
  readonly config: PromotionConfig;
  readonly configFile: string;
  /** The config file's folder: history and command gates resolve here, as in a workspace folder. */
  readonly workspaceDir: string;
  /** Command gates and secret-sending http gates run (the CLI is run by choice in its folder). */
  readonly trusted: boolean;
}

const TRANSPORTS: readonly TransportSetting[] = ['auto', 'engine', 'registry'];
const RECORDS: readonly RecordsSetting[] = ['registry', 'file', 'both'];

export async function openContext(options: CommonOptions, out: Output = new Output(!!options.json, !!options.verbose)): Promise<CliContext> {
  const file = options.config ?? [DEFAULT_CONFIG_FILE, '.promotion.yml'].find((name) => existsSync(name)) ?? DEFAULT_CONFIG_FILE;
  const transport = (options.transport ?? 'auto') as TransportSetting;
  if (!TRANSPORTS.includes(transport)) throw new CliError(`--transport must be one of ${TRANSPORTS.join(', ')}, not "${options.transport}".`, EXIT.usage);
  const timeoutSeconds = options.timeout === undefined ? 15 : Number(options.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new CliError(`--timeout takes seconds (a positive number), not "${options.timeout}".`, EXIT.usage);
  if (options.records !== undefined && !RECORDS.includes(options.records as RecordsSetting))
    throw new CliError(`--records must be one of ${RECORDS.join(', ')}, not "${options.records}".`, EXIT.usage);
  const records = parseRecordsSetting(options.records);
  const now = testClock();
  const state = await loadConfigFile(file);
  if (state.kind === 'no-config') {
    throw new CliError(`No promotion config at ${state.file}. Run in the folder that holds ${DEFAULT_CONFIG_FILE}, or pass --config <file>.`, EXIT.usage);
  }
  if (state.kind === 'invalid') {
    throw new CliError([`${state.file} has errors:`, ...diagnosticLines(state.file, state.diagnostics)], EXIT.usage);
  }
  const app = composeServices({
    log: out.logger(),
    dockerHost: () => options.dockerHost ?? '',
    insecureRegistries: () => options.insecureRegistry ?? [],
    trust: () => cliTrust(options.caFile ?? [], process.env),
    lookupTimeoutMs: () => timeoutSeconds * 1000,
    transport: () => transport,
    historyFile: () => options.historyFile,
    records: () => records,
    warn: (message) => out.error(message, 'promotion record missing'),
    // Where blobs were seen, so a copy into another registry can mount what it holds elsewhere.
    blobLocationsFile: path.join(cliCacheDir(), 'blob-locations.json'),
    // How each registry authenticates: a command's first request to it goes with its token, not after a 401.
    challengesFile: path.join(cliCacheDir(), 'registry-challenges.json'),
    ...(now ? { now } : {}),
    signingKey: () => options.signingKey ?? process.env.IMAGE_PROMOTION_SIGNING_KEY,
    configFolder: () => state.workspaceDir,
    // As approve and promote know the person: --approved-by is theirs alone, the CI's variables, else git.
    localIdentity: () => identity(state.workspaceDir, approverFromEnv()),
    warnSigning: (message) => out.error(message, 'signed promotion attestation'),
  });
  const config = state.config;
  // Gates, rollback and history read the registry's records of what the environments hold now.
  app.history.useRecords(async (history) => {
    const held = await Promise.all(config.environments.map(async (env) => ({ env, ...heldDigest(await lookupEnvironment(app.registry, env)) })));
    return app.withRecords(history, held);
  });
  return { out, app, config: state.config, configFile: state.file, workspaceDir: state.workspaceDir, trusted: !options.restricted };
}

/** --ca-file and IMAGE_PROMOTION_CA_FILES (path-delimiter separated); the system store is Node's business here. */
export function cliTrust(flags: readonly string[], env: NodeJS.ProcessEnv): TrustSetting {
  const fromEnv = (env['IMAGE_PROMOTION_CA_FILES'] ?? '').split(path.delimiter).filter((f) => f.trim());
  const sources = [...(flags.length ? ['--ca-file'] : []), ...(fromEnv.length ? ['IMAGE_PROMOTION_CA_FILES'] : [])];
  return { caFiles: [...flags, ...fromEnv], caFilesSource: sources.join(' and ') || '--ca-file', systemCertificates: false };
}

function heldDigest(lookup: Lookup): { digest?: string | null } {
  return lookup.state === 'present' ? { digest: lookup.digest } : lookup.state === 'absent' ? { digest: null } : {};
}

export function environmentNamed(config: PromotionConfig, name: string): EnvironmentConfig {
  const env = findEnvironment(config, name);
  if (!env)
    throw new CliError(`There is no environment "${name}" in the promotion config (it has ${config.environments.map((e) => e.name).join(', ')}).`, EXIT.usage);
  return env;
}

/**
 * What to promote into `target`: `--build` (a tag of the config's image, or a digest in it), else what
 * the environment before holds now. The first environment has none before it: it needs --build.
 */
export async function sourceFor(ctx: CliContext, target: EnvironmentConfig, build: string | undefined, signal?: AbortSignal): Promise<PromotionSource> {
  const { config } = ctx;
  if (build === undefined) {
    const index = config.environments.findIndex((e) => e.name === target.name);
    const previous = config.environments[index - 1];
    if (!previous) throw new CliError(`${target.name} is the first environment: say which build with --build <tag|digest>.`, EXIT.usage);
    return { kind: 'environment', environment: previous };
  }
  if (isDigest(build)) {
    if (config.components)
      throw new CliError(`A release is promoted by its build tag (present in every image), not by a digest of one image: pass --build <tag>.`, EXIT.usage);
    return { kind: 'digest', digest: build, repository: config.repository, label: `build ${shortDigest(build)}` };
  }
  if (!config.builds.tagPattern.test(build)) {
    ctx.out.message(`Note: ${build} does not match builds.tagPattern (${config.builds.tagPattern.source}).`);
  }
  const found = await ctx.app.registry.resolve(config.repository, build, signal);
  if (!found) throw new CliError(`There is no tag ${build} in ${repositoryName(config.repository)}: pass a build tag that exists, or its digest.`, EXIT.usage);
  return { kind: 'build', tag: build, digest: found.digest };
}

/** Relative to the current folder when inside it: shorter messages. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}
