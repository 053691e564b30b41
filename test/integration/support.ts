// Builds the extension's real core (registry client, credentials, dockerode engine) against the
// harness's private services, and a scripted person who answers the prompts.
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { PromotionConfig } from '../../src/config/types';
import type { Logger } from '../../src/core/log';
import { DockerConfigCredentials } from '../../src/credentials/dockerConfig';
import { connectDockerode } from '../../src/engine/dockerodeEngine';
import { parseHost } from '../../src/engine/engineAddress';
import type { ImageEngine } from '../../src/engine/engine';
import { ImageDetailsCache } from '../../src/images/imageDetails';
import type { Confirmation, MovedTarget, PromotionEnvironment, PromotionPrompts, PromotionServices } from '../../src/promotion/promote';
import { TargetLocks } from '../../src/promotion/targetLocks';
import type { TransportSetting } from '../../src/promotion/transport';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import type { SnapshotServices } from '../../src/model/snapshot';
import type { TestServices } from '../harness';
import { promotionYaml } from '../fixtures/promotionYaml';

export class MemoryLog implements Logger {
  readonly lines: string[] = [];
  trace(m: string): void {
    this.lines.push(`trace ${m}`);
  }
  debug(m: string): void {
    this.lines.push(`debug ${m}`);
  }
  info(m: string): void {
    this.lines.push(`info ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn ${m}`);
  }
  error(m: string | Error): void {
    this.lines.push(`error ${m instanceof Error ? m.message : m}`);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** A person who confirms (or not) and remembers what they were shown. */
export class ScriptedPrompts implements PromotionPrompts {
  readonly confirmations: Confirmation[] = [];
  readonly moved: MovedTarget[] = [];
  constructor(private readonly answers: { confirm?: boolean; moved?: boolean; onConfirm?: () => Promise<void> } = {}) {}
  async confirm(c: Confirmation): Promise<boolean> {
    this.confirmations.push(c);
    await this.answers.onConfirm?.();
    return this.answers.confirm ?? true;
  }
  async confirmMovedTarget(m: MovedTarget): Promise<boolean> {
    this.moved.push(m);
    return this.answers.moved ?? false;
  }
}

export interface Core {
  readonly services: PromotionServices;
  readonly snapshotServices: SnapshotServices;
  readonly log: MemoryLog;
  readonly engine: () => Promise<ImageEngine>;
}

export function makeCore(
  svc: TestServices,
  options: { dockerHost?: string; dockerConfig?: string; locks?: TargetLocks; transport?: TransportSetting } = {},
): Core {
  const log = new MemoryLog();
  const credentials = new DockerConfigCredentials({ configDir: () => options.dockerConfig ?? svc.dockerConfig, log, cacheMs: 0 });
  const registry = new HttpRegistryClient({ credentials, log, timeoutMs: () => 10_000 });
  const details = new ImageDetailsCache(registry);
  const engine = () => connectDockerode(parseHost(options.dockerHost ?? svc.dockerHost, 'the test harness'));
  const describe = details.get.bind(details);
  return {
    log,
    engine,
    services: { registry, engine, credentials, describe, locks: options.locks ?? new TargetLocks(), log, transport: () => options.transport ?? 'auto' },
    snapshotServices: { registry, describe, log },
  };
}

export function environmentFor(prompts: PromotionPrompts, extra: Partial<PromotionEnvironment> = {}): PromotionEnvironment {
  return { trusted: true, workspaceDir: process.cwd(), prompts, progress: () => undefined, ...extra };
}

/** Parses a config with the extension's own parser; fails the test on any diagnostic. */
export function config(yaml: string): PromotionConfig {
  const parsed = parsePromotionConfig(yaml);
  if (!parsed.config) throw new Error(`test config invalid:\n${parsed.diagnostics.map((d) => `${d.range.startLine + 1}: ${d.message}`).join('\n')}`);
  return parsed.config;
}

/** The usual three environments in one repository (production protected); gates as YAML entries. */
export function threeEnvironments(image: string, gates: { staging?: readonly string[]; production?: readonly string[] } = {}): PromotionConfig {
  return config(
    promotionYaml(image, [
      { name: 'development', tag: 'dev' },
      { name: 'staging', ...(gates.staging ? { gates: gates.staging } : {}) },
      { name: 'production', protected: true, ...(gates.production ? { gates: gates.production } : {}) },
    ]),
  );
}

export function env(cfg: PromotionConfig, name: string) {
  const found = cfg.environments.find((e) => e.name === name);
  if (!found) throw new Error(`no environment ${name}`);
  return found;
}
