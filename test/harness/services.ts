// The set of services a test run shares: one private dockerd, one plain registry, one htpasswd
// registry, and a DOCKER_CONFIG whose credential helper knows the htpasswd registry's password.
//
// The top-level runner (test/run-all.mjs) starts them once and hands them to every suite through
// these environment variables (the contract):
//   IMGPROMO_TEST_DOCKER_HOST      unix://…/docker.sock of the test engine
//   IMGPROMO_TEST_REGISTRY         127.0.0.1:PORT, plain registry (no auth)
//   IMGPROMO_TEST_AUTH_REGISTRY    127.0.0.1:PORT, htpasswd registry
//   IMGPROMO_TEST_AUTH_USER        its user
//   IMGPROMO_TEST_AUTH_PASSWORD    its password
//   IMGPROMO_TEST_DOCKER_CONFIG    a DOCKER_CONFIG dir: config.json with
//                                  credHelpers { "<auth registry>": "imgpromo-test" }
//   IMGPROMO_TEST_CRED_BIN         dir holding docker-credential-imgpromo-test (prepend to PATH)
// Tests never use the user's own engine, ~/.docker or registries.
import { randomBytes } from 'node:crypto';
import { delimiter } from 'node:path';
import { makeDockerConfig, TEST_HELPER_NAME } from './credentials';
import { Dockerd, DockerdOptions, startDockerd } from './dockerd';
import { BasicAuth } from './registry-http';
import { Registry, startRegistry } from './registry';

export const SERVICE_ENV_VARS = [
  'IMGPROMO_TEST_DOCKER_HOST',
  'IMGPROMO_TEST_REGISTRY',
  'IMGPROMO_TEST_AUTH_REGISTRY',
  'IMGPROMO_TEST_AUTH_USER',
  'IMGPROMO_TEST_AUTH_PASSWORD',
  'IMGPROMO_TEST_DOCKER_CONFIG',
  'IMGPROMO_TEST_CRED_BIN',
] as const;

export type ServiceEnv = Record<(typeof SERVICE_ENV_VARS)[number], string>;

export interface TestServices {
  /** DOCKER_HOST of the private engine (unix://…/docker.sock). */
  dockerHost: string;
  /** Plain registry, `127.0.0.1:PORT`. */
  registry: string;
  /** Plain registry, `http://127.0.0.1:PORT`. */
  registryUrl: string;
  /** htpasswd registry, `127.0.0.1:PORT`. */
  authRegistry: string;
  /** htpasswd registry, `http://127.0.0.1:PORT`. */
  authRegistryUrl: string;
  /** Credentials of the htpasswd registry. */
  auth: BasicAuth;
  /** DOCKER_CONFIG dir whose credHelpers send the auth registry to the test helper. */
  dockerConfig: string;
  /** Dir with docker-credential-imgpromo-test, to prepend to PATH. */
  credBin: string;
  /** Name of the test credential helper ('imgpromo-test'). */
  credHelper: string;
  /** The IMGPROMO_TEST_* variables describing these services. */
  env: ServiceEnv;
  /** What a Docker client of these services needs: DOCKER_HOST, DOCKER_CONFIG, PATH (helper first). */
  clientEnv(base?: NodeJS.ProcessEnv): Record<string, string>;
  /** True when this process started them (stop() then stops them); false when read from env. */
  owned: boolean;
  /** Stops what this process started (no-op for services read from the environment). Idempotent. */
  stop(): Promise<void>;
  /** The underlying handles when owned (undefined when read from env). */
  handles?: { dockerd: Dockerd; registry: Registry; authRegistry: Registry };
}

export interface StartServicesOptions {
  dockerd?: DockerdOptions;
  /** User of the htpasswd registry (default 'imgpromo'); the password is random per run. */
  authUser?: string;
}

/** Starts dockerd + plain registry + htpasswd registry (+ credential-helper DOCKER_CONFIG), in parallel. */
export async function startServices(opts: StartServicesOptions = {}): Promise<TestServices> {
  const auth: BasicAuth = { username: opts.authUser ?? 'imgpromo', password: `pw-${randomBytes(12).toString('hex')}` };
  const results = await Promise.allSettled([startDockerd(opts.dockerd), startRegistry(), startRegistry({ htpasswd: auth })]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length) {
    await Promise.allSettled(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw new Error(`starting test services failed:\n${failures.map((f) => (f.reason as Error).message).join('\n')}`);
  }
  const [dockerd, registry, authRegistry] = results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [Dockerd, Registry, Registry];
  const dockerConfig = makeDockerConfig([{ server: authRegistry.host, username: auth.username, secret: auth.password, via: 'helper' }]);
  let stopped: Promise<void> | undefined;
  const env: ServiceEnv = {
    IMGPROMO_TEST_DOCKER_HOST: dockerd.host,
    IMGPROMO_TEST_REGISTRY: registry.host,
    IMGPROMO_TEST_AUTH_REGISTRY: authRegistry.host,
    IMGPROMO_TEST_AUTH_USER: auth.username,
    IMGPROMO_TEST_AUTH_PASSWORD: auth.password,
    IMGPROMO_TEST_DOCKER_CONFIG: dockerConfig.dir,
    IMGPROMO_TEST_CRED_BIN: dockerConfig.binDir,
  };
  return {
    ...describeServices(env),
    owned: true,
    handles: { dockerd, registry, authRegistry },
    stop: () => {
      stopped ??= (async () => {
        const stops = await Promise.allSettled([dockerd.stop(), registry.stop(), authRegistry.stop(), dockerConfig.dispose()]);
        const failed = stops.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed.length) throw new Error(`stopping test services: ${failed.map((f) => (f.reason as Error).message).join('; ')}`);
      })();
      return stopped;
    },
  };
}

/**
 * The services described by IMGPROMO_TEST_* variables (set by the top-level runner), or undefined
 * when none is set. Throws when only some are set.
 */
export function servicesFromEnv(source: NodeJS.ProcessEnv = process.env): TestServices | undefined {
  const present = SERVICE_ENV_VARS.filter((k) => source[k]);
  if (present.length === 0) return undefined;
  const missing = SERVICE_ENV_VARS.filter((k) => !source[k]);
  if (missing.length) throw new Error(`incomplete test service environment: ${missing.join(', ')} not set`);
  const env = Object.fromEntries(SERVICE_ENV_VARS.map((k) => [k, source[k] as string])) as ServiceEnv;
  return { ...describeServices(env), owned: false, stop: async () => undefined };
}

let shared: Promise<TestServices> | undefined;

/**
 * For a suite: the runner's services when the environment names them, otherwise services started
 * once for this process (stopped by the harness's exit hook, or call stop()).
 */
export function sharedServices(): Promise<TestServices> {
  shared ??= (async () => servicesFromEnv() ?? startServices())();
  return shared;
}

function describeServices(env: ServiceEnv): Omit<TestServices, 'owned' | 'stop' | 'handles'> {
  const auth = { username: env.IMGPROMO_TEST_AUTH_USER, password: env.IMGPROMO_TEST_AUTH_PASSWORD };
  return {
    dockerHost: env.IMGPROMO_TEST_DOCKER_HOST,
    registry: env.IMGPROMO_TEST_REGISTRY,
    registryUrl: `http://${env.IMGPROMO_TEST_REGISTRY}`,
    authRegistry: env.IMGPROMO_TEST_AUTH_REGISTRY,
    authRegistryUrl: `http://${env.IMGPROMO_TEST_AUTH_REGISTRY}`,
    auth,
    dockerConfig: env.IMGPROMO_TEST_DOCKER_CONFIG,
    credBin: env.IMGPROMO_TEST_CRED_BIN,
    credHelper: TEST_HELPER_NAME,
    env,
    clientEnv: (base = process.env) => ({
      DOCKER_HOST: env.IMGPROMO_TEST_DOCKER_HOST,
      DOCKER_CONFIG: env.IMGPROMO_TEST_DOCKER_CONFIG,
      PATH: [env.IMGPROMO_TEST_CRED_BIN, base.PATH ?? ''].filter(Boolean).join(delimiter),
    }),
  };
}
