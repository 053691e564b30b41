// `verify <environment>`: the digest the environment holds (or --digest) carries a valid signed
// promotion attestation into it and into every environment before it. For a deploy job: 0 when the
// chain is whole, 1 naming the first missing or invalid link; nothing is written. A release: every image's
// digest, each through its own repository (its record is signed beside every image's digest).
import { isSha256Digest, repositoryName, shortDigest } from '../../core/reference';
import * as path from 'node:path';
import { anyOfKeys, loadVerifyingKey, type VerifyingKey } from '../../evidence/keys';
import { RegistryAttestations } from '../../evidence/registryAttestations';
import { verifyChain, type ChainLink } from '../../evidence/verifyChain';
import { lookupEnvironment } from '../../model/snapshot';
import { componentsOf, forComponent } from '../../config/components';
import type { EnvironmentConfig } from '../../config/types';
import type { CliContext } from '../context';
import { environmentNamed } from '../context';
import { CliError, EXIT, type ExitCode } from '../exitCodes';

export interface VerifyOptions {
  readonly digest?: string;
  readonly key?: string;
}

function linkLine(link: ChainLink): string {
  if (link.problem) return `  ✗ ${link.environment}: ${link.problem}`;
  const r = link.record!;
  return `  ✓ ${link.environment}: ${r.kind} signed, ${r.time}, by ${r.who.name ?? r.who.user}${r.source.environment ? ` from ${r.source.environment}` : ''}`;
}

/** --key, else the config's promotionKeys (relative to its folder); neither is a usage error. */
async function verifyingKeys(ctx: CliContext, file: string | undefined): Promise<VerifyingKey> {
  if (file) return loadVerifyingKey(file);
  const files = ctx.config.promotionKeys ?? [];
  if (files.length === 0)
    throw new CliError('verify needs the public key promotions are signed with: --key <file>, or promotionKeys in the promotion config.', EXIT.usage);
  return anyOfKeys(await Promise.all(files.map((f) => loadVerifyingKey(path.resolve(ctx.workspaceDir, f)))));
}

export async function verify(ctx: CliContext, environment: string, options: VerifyOptions, signal: AbortSignal): Promise<ExitCode> {
  environmentNamed(ctx.config, environment);
  if (options.digest !== undefined && !isSha256Digest(options.digest))
    throw new CliError(`--digest takes a sha256 digest (sha256:<64 hex>), not "${options.digest}".`, EXIT.usage);
  if (options.digest !== undefined && ctx.config.components)
    throw new CliError(
      `--digest names one image's digest; a release is verified image by image from what ${environment}'s tags hold: run verify ${environment} without --digest.`,
      EXIT.usage,
    );
  // The key first: a wrong file is a usage error before any request.
  const key = await verifyingKeys(ctx, options.key);
  if (!ctx.config.components) {
    const one = await verifyOne(ctx, ctx.config.environments, environment, undefined, options.digest, key, signal);
    if (one.lines) ctx.out.result(one.lines.join('\n'), one.value);
    return one.code;
  }
  // A release: every image's chain, one result naming each image.
  const all = [];
  for (const c of componentsOf(ctx.config))
    all.push(await verifyOne(ctx, forComponent(ctx.config, c.name).environments, environment, c.name, undefined, key, signal));
  const verified = all.every((one) => one.code === EXIT.ok);
  ctx.out.result(all.flatMap((one) => one.lines ?? []).join('\n'), { environment, key: key.keyId, verified, images: all.map((one) => one.value) });
  return verified ? EXIT.ok : EXIT.blocked;
}

/** One image's chain: `name` (a release's image) prefixes its lines. Its result's lines and value, for the caller to print. */
async function verifyOne(
  ctx: CliContext,
  environments: readonly EnvironmentConfig[],
  environment: string,
  name: string | undefined,
  given: string | undefined,
  key: VerifyingKey,
  signal: AbortSignal,
): Promise<{ code: ExitCode; lines?: string[]; value?: unknown }> {
  const target = environments.find((e) => e.name === environment)!;
  const prefix = name ? `${name}: ` : '';
  let digest = given;
  if (!digest) {
    const held = await lookupEnvironment(ctx.app.registry, target, signal);
    if (held.state === 'error') throw held.error;
    if (held.state === 'absent') {
      ctx.out.error(
        `${prefix}${repositoryName(target.repository)}:${target.tag} does not exist: ${target.name} holds nothing to verify`,
        `image-promotion verify ${target.name}`,
      );
      return { code: EXIT.blocked, value: { ...(name ? { image: name } : {}), verified: false, digest: null } };
    }
    digest = held.digest;
  }
  const store = new RegistryAttestations({ registry: ctx.app.registry, log: ctx.app.log });
  const result = await verifyChain(environments, target.name, digest, key, (env, d, type, s) => store.read(env.repository, d, type, s), signal);
  const chain = result.links.map((l) => l.environment).join(' → ');
  const heading = result.broken
    ? `${prefix}${target.name} ${shortDigest(digest)}: NOT verified, ${result.broken.environment} is not signed as promoted`
    : `${prefix}${target.name} ${shortDigest(digest)}: signed, promoted through ${chain}`;
  const value = {
    ...(name ? { image: name } : { environment: target.name }),
    digest,
    ...(name ? {} : { key: key.keyId }),
    verified: !result.broken,
    links: result.links.map((l) => ({
      environment: l.environment,
      ...(l.problem ? { problem: l.problem } : { recordId: l.record!.id, time: l.record!.time }),
    })),
  };
  if (result.broken) ctx.out.error(`${prefix}${result.broken.environment}: ${result.broken.problem}`, `image-promotion verify ${target.name}`);
  return { code: result.broken ? EXIT.blocked : EXIT.ok, lines: [heading, ...result.links.map(linkLine)], value };
}
