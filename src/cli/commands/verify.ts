// `verify <environment>`: the digest the environment holds (or --digest) carries a valid signed
// promotion attestation into it and into every environment before it. For a deploy job: 0 when the
// chain is whole, 1 naming the first missing or invalid link; nothing is written.
import { isSha256Digest, repositoryName, shortDigest } from '../../core/reference';
import * as path from 'node:path';
import { anyOfKeys, loadVerifyingKey, type VerifyingKey } from '../../evidence/keys';
import { RegistryAttestations } from '../../evidence/registryAttestations';
import { verifyChain, type ChainLink } from '../../evidence/verifyChain';
import { lookupEnvironment } from '../../model/snapshot';
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
  const target = environmentNamed(ctx.config, environment);
  if (options.digest !== undefined && !isSha256Digest(options.digest))
    throw new CliError(`--digest takes a sha256 digest (sha256:<64 hex>), not "${options.digest}".`, EXIT.usage);
  // The key first: a wrong file is a usage error before any request.
  const key = await verifyingKeys(ctx, options.key);
  let digest = options.digest;
  if (!digest) {
    const held = await lookupEnvironment(ctx.app.registry, target, signal);
    if (held.state === 'error') throw held.error;
    if (held.state === 'absent') {
      ctx.out.error(
        `${repositoryName(target.repository)}:${target.tag} does not exist: ${target.name} holds nothing to verify`,
        `image-promotion verify ${target.name}`,
      );
      return EXIT.blocked;
    }
    digest = held.digest;
  }
  const store = new RegistryAttestations({ registry: ctx.app.registry, log: ctx.app.log });
  const result = await verifyChain(ctx.config.environments, target.name, digest, key, (env, d, type, s) => store.read(env.repository, d, type, s), signal);
  const chain = result.links.map((l) => l.environment).join(' → ');
  const heading = result.broken
    ? `${target.name} ${shortDigest(digest)}: NOT verified, ${result.broken.environment} is not signed as promoted`
    : `${target.name} ${shortDigest(digest)}: signed, promoted through ${chain}`;
  ctx.out.result([heading, ...result.links.map(linkLine)].join('\n'), {
    environment: target.name,
    digest,
    key: key.keyId,
    verified: !result.broken,
    links: result.links.map((l) => ({
      environment: l.environment,
      ...(l.problem ? { problem: l.problem } : { recordId: l.record!.id, time: l.record!.time }),
    })),
  });
  if (result.broken) {
    ctx.out.error(`${result.broken.environment}: ${result.broken.problem}`, `image-promotion verify ${target.name}`);
    return EXIT.blocked;
  }
  return EXIT.ok;
}
