// A Distribution registry (Debian's docker-registry 2.8) with `auth.token`, and the small token
// issuer it trusts, both private and throwaway:
// - a test signing key and self-signed certificate made by `openssl req -x509` (ECDSA P-256);
// - registry config `auth.token: { realm, service, issuer, rootcertbundle: <that cert> }`;
// - the issuer, an HTTP server in this process: `GET /token?service=…&scope=…` with Basic
//   credentials (the Docker token protocol) and `POST /token` (OAuth2 password and refresh_token
//   grants, for identity tokens). It answers `{ token, access_token, expires_in, issued_at }` with
//   an ES256 JWT whose header carries the certificate as `x5c`.
//
// How Distribution 2.8.2 validates a token, as observed against this issuer (asserted in
// test/integration/registryCopy.test.ts):
// - the JOSE header carries `x5c` (the signing certificate, which is in rootcertbundle): that alone
//   is enough (Distribution's source also accepts a libtrust `kid` of a rootcertbundle key; not
//   used here);
// - `iss` must equal auth.token.issuer and `aud` auth.token.service;
// - `exp` is checked with 60 s of leeway: a token whose `exp` passed 30 s ago is still accepted. So
//   the issuer writes `exp = now + registryLifetime - 60` when a test wants the registry itself to
//   reject a token early (`registryLifetimeSeconds`), while `expires_in` tells the client the
//   (longer) `expiresInSeconds`;
// - a rejected token gets `401` with `WWW-Authenticate: Bearer realm=…,service=…,scope=…,
//   error="invalid_token"`; a valid token without the needed access gets `error="insufficient_scope"`;
// - a token without access to the repository (what this issuer gives a client without
//   credentials) gets 401 `error="insufficient_scope"`.
import { execFileSync, execFile, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { registerResource } from './cleanup';
import { freePort } from './ports';
import { delay, exited, serviceEnv, spawnService, tailOf, terminate, terminateSync } from './processes';
import { BasicAuth, MANIFEST_ACCEPT, registryRequest, headerOf } from './registry-http';
import { makeTempDir, recordChildren, removeTree, removeTreeSync } from './tempdirs';
import { writeRegistryConfig } from './registry';

/** Distribution 2.8 accepts a token this long after its `exp` (observed; see the header). */
export const DISTRIBUTION_TOKEN_LEEWAY_S = 60;

export interface TokenScope {
  type: string;
  name: string;
  actions: string[];
}

export interface IssuedToken {
  /** The JWT. Tests use it to prove it never reaches a log. */
  token: string;
  account: string | undefined;
  /** Scopes as asked for (`repository:a/b:pull,push`). */
  requested: string[];
  /** What the token grants. */
  access: TokenScope[];
  issuedAt: number;
  /** What `expires_in` told the client. */
  expiresInSeconds: number;
  grant: 'basic' | 'anonymous' | 'password' | 'refresh_token';
}

export interface TokenRequestRecord {
  method: string;
  account: string | undefined;
  requested: string[];
  outcome: 'issued' | 'rejected';
}

export interface TokenIssuerOptions {
  /** The one user (default 'imgpromo' with a random password). */
  username?: string;
  password?: string;
  /** `expires_in` of new tokens (default 300 s). */
  expiresInSeconds?: number;
  /** When set, the JWT's exp makes the registry reject the token this many seconds after issue. */
  registryLifetimeSeconds?: number;
}

export interface TokenIssuer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/token`, the realm the registry sends clients to. */
  realm: string;
  /** auth.token.service (the JWT audience). */
  service: string;
  /** auth.token.issuer (the JWT iss). */
  issuer: string;
  /** PEM of the signing certificate (the registry's rootcertbundle). */
  certificatePem: string;
  auth: BasicAuth;
  /** An OAuth2 refresh token for the user (what `auths.<host>.identitytoken` would hold). */
  refreshToken: string;
  /** `expires_in` of tokens issued from now on. */
  expiresInSeconds: number;
  /** See TokenIssuerOptions.registryLifetimeSeconds; undefined: exp = issue + expiresInSeconds. */
  registryLifetimeSeconds: number | undefined;
  /** While true every credential is refused (401), the right ones too (a revoked login). */
  rejectCredentials: boolean;
  /** Repositories the user may not touch: tokens grant nothing on them (as a registry's access rules would). */
  readonly deniedRepositories: Set<string>;
  issued(): IssuedToken[];
  requests(): TokenRequestRecord[];
  /** A token for scopes (`repository:a/b:pull`), signed like the real ones: for independent checks. */
  mint(scopes: string[], lifetimeSeconds?: number): string;
  /** Forget the issued/requests records (tokensEverIssued keeps them). */
  resetRecords(): void;
  /** Every token this issuer handed out since it started. */
  tokensEverIssued(): string[];
  stop(): Promise<void>;
}

export interface TokenRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  dir: string;
  storageDir: string;
  logFile: string;
  logTail(lines?: number): string;
  issuer: TokenIssuer;
  /** The issuer's user. */
  auth: BasicAuth;
  /** HEAD /v2/<repo>/manifests/<ref> with a freshly minted pull token (not our client): the digest, or undefined on 404. */
  digestOf(repo: string, ref: string): Promise<string | undefined>;
  /** `skopeo copy --all --preserve-digests` of `fromRef` (`host:port/repo:tag` on a plain registry) into `repo:tag` here. */
  copyIn(fromRef: string, repo: string, tag: string): Promise<void>;
  /** Stops registry and issuer, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface TokenRegistryOptions extends TokenIssuerOptions {
  /** auth.token.service (default 'imgpromo-test-registry'). */
  service?: string;
  startTimeoutMs?: number;
}

const ISSUER_NAME = 'imgpromo-test-issuer';

/** A signing key and self-signed certificate (openssl, ECDSA P-256) in dir. */
export function makeSigningCertificate(
  dir: string,
  commonName = 'imgpromo test token signer',
): { key: KeyObject; certificatePem: string; certificateFile: string; x5c: string } {
  const keyFile = join(dir, 'token-signer.key');
  const certificateFile = join(dir, 'token-signer.crt');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certificateFile,
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    throw new Error(`openssl could not make the test signing certificate (is Debian's openssl installed?): ${(err as Error).message}`, { cause: err });
  }
  const certificatePem = readFileSync(certificateFile, 'utf8');
  const x5c = new X509Certificate(certificatePem).raw.toString('base64');
  return { key: createPrivateKey(readFileSync(keyFile)), certificatePem, certificateFile, x5c };
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** `repository:a/b:pull,push` → { type, name, actions }; the name may hold colons (`registry:catalog:*`). */
export function parseScope(scope: string): TokenScope | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

/** Starts the token issuer on 127.0.0.1:<free port>, signing with a fresh test certificate made in dir. */
export async function startTokenIssuer(dir: string, opts: TokenIssuerOptions & { service: string }): Promise<TokenIssuer> {
  const signer = makeSigningCertificate(dir);
  const auth: BasicAuth = { username: opts.username ?? 'imgpromo', password: opts.password ?? `tok-${randomBytes(12).toString('hex')}` };
  const refreshToken = `refresh-${randomBytes(16).toString('hex')}`;
  const issued: IssuedToken[] = [];
  const everIssued: string[] = [];
  const requests: TokenRequestRecord[] = [];

  const jwt = (account: string | undefined, access: TokenScope[], expiresIn: number, registryLifetime: number | undefined): string => {
    const now = Math.floor(Date.now() / 1000);
    const exp = registryLifetime === undefined ? now + expiresIn : now + registryLifetime - DISTRIBUTION_TOKEN_LEEWAY_S;
    const header = { typ: 'JWT', alg: 'ES256', x5c: [signer.x5c] };
    const claims = { iss: ISSUER_NAME, sub: account ?? '', aud: opts.service, exp, nbf: now - 1, iat: now, jti: randomBytes(12).toString('hex'), access };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(signature)}`;
  };

  const grantFor = (account: string | undefined, scopes: string[]): TokenScope[] => {
    if (!account) return [];
    const access: TokenScope[] = [];
    for (const s of scopes) {
      const parsed = parseScope(s);
      if (parsed && parsed.type === 'repository' && !issuer.deniedRepositories.has(parsed.name)) access.push(parsed);
    }
    return access;
  };

  const issuer: TokenIssuer = {
    url: '',
    realm: '',
    service: opts.service,
    issuer: ISSUER_NAME,
    certificatePem: signer.certificatePem,
    auth,
    refreshToken,
    expiresInSeconds: opts.expiresInSeconds ?? 300,
    registryLifetimeSeconds: opts.registryLifetimeSeconds,
    rejectCredentials: false,
    deniedRepositories: new Set<string>(),
    issued: () => [...issued],
    requests: () => [...requests],
    mint: (scopes, lifetime = 300) => jwt('imgpromo-test-check', grantFor('imgpromo-test-check', scopes), lifetime, undefined),
    resetRecords: () => {
      issued.length = 0;
      requests.length = 0;
    },
    tokensEverIssued: () => [...everIssued],
    stop: async () => undefined,
  };

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    if (url.pathname !== '/token') return answer(res, 404, { error: 'not found' });
    // `scope` may repeat and each may hold several space-separated scopes (Distribution's own challenge does that).
    let scopes = url.searchParams.getAll('scope');
    let account: string | undefined;
    let grant: IssuedToken['grant'] = 'anonymous';
    let rejected = false;
    let oauth = false;
    if (req.method === 'POST') {
      oauth = true;
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      scopes = form.getAll('scope');
      const type = form.get('grant_type');
      if (type === 'password') {
        grant = 'password';
        if (form.get('username') === auth.username && form.get('password') === auth.password) account = auth.username;
        else rejected = true;
      } else if (type === 'refresh_token') {
        grant = 'refresh_token';
        if (form.get('refresh_token') === refreshToken) account = auth.username;
        else rejected = true;
      } else {
        return answer(res, 400, { error: 'unsupported_grant_type' });
      }
    } else if (req.method === 'GET') {
      const header = req.headers.authorization;
      if (header) {
        grant = 'basic';
        const match = /^Basic\s+(.+)$/i.exec(header);
        const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
        const colon = decoded.indexOf(':');
        if (colon > 0 && decoded.slice(0, colon) === auth.username && decoded.slice(colon + 1) === auth.password) account = auth.username;
        else rejected = true;
      }
    } else {
      return answer(res, 405, { error: 'method not allowed' });
    }
    scopes = scopes.flatMap((s) => s.split(' ')).filter(Boolean);
    if (issuer.rejectCredentials && grant !== 'anonymous') rejected = true;
    if (rejected) {
      requests.push({ method: req.method ?? '', account: undefined, requested: scopes, outcome: 'rejected' });
      return answer(
        res,
        401,
        oauth ? { error: 'invalid_grant' } : { errors: [{ code: 'UNAUTHORIZED', message: 'authentication failed' }] },
        oauth ? {} : { 'WWW-Authenticate': 'Basic realm="imgpromo-test-issuer"' },
      );
    }
    const access = grantFor(account, scopes);
    const expiresIn = issuer.expiresInSeconds;
    const token = jwt(account, access, expiresIn, issuer.registryLifetimeSeconds);
    const issuedAt = Date.now();
    everIssued.push(token);
    issued.push({ token, account, requested: scopes, access, issuedAt, expiresInSeconds: expiresIn, grant });
    requests.push({ method: req.method ?? '', account, requested: scopes, outcome: 'issued' });
    const body = oauth
      ? { access_token: token, expires_in: expiresIn, issued_at: new Date(issuedAt).toISOString(), scope: scopes.join(' ') }
      : { token, access_token: token, expires_in: expiresIn, issued_at: new Date(issuedAt).toISOString() };
    answer(res, 200, body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => answer(res, 500, { error: err.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  issuer.url = `http://127.0.0.1:${port}`;
  issuer.realm = `${issuer.url}/token`;
  let stopped: Promise<void> | undefined;
  issuer.stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return stopped;
  };
  return issuer;
}

/** Starts a token issuer and a docker-registry that trusts it; resolves once `/v2/` answers 401 with a Bearer challenge. */
export async function startTokenRegistry(opts: TokenRegistryOptions = {}): Promise<TokenRegistry> {
  const dir = makeTempDir('token-registry');
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir);
  const logFile = join(dir, 'registry.log');
  let child: ChildProcess | undefined;
  let issuer: TokenIssuer | undefined;
  let stopped: Promise<void> | undefined;
  const unregister = registerResource(
    `token registry ${dir}`,
    () => registry.stop(),
    () => {
      if (child?.pid !== undefined) terminateSync(child.pid, 10000);
      removeTreeSync(dir);
    },
  );
  const registry: TokenRegistry = {
    host: '',
    url: '',
    port: 0,
    dir,
    storageDir,
    logFile,
    logTail: (n = 30) => tailOf(logFile, n),
    issuer: undefined as unknown as TokenIssuer,
    auth: { username: '', password: '' },
    digestOf: async (repo, ref) => {
      const res = await registryRequest(`${registry.url}/v2/${repo}/manifests/${ref}`, {
        method: 'HEAD',
        headers: { Accept: MANIFEST_ACCEPT, Authorization: `Bearer ${registry.issuer.mint([`repository:${repo}:pull`])}` },
      });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`HEAD ${repo}:${ref} on the token registry: HTTP ${res.status} ${headerOf(res, 'www-authenticate') ?? ''}`);
      return headerOf(res, 'docker-content-digest');
    },
    copyIn: (fromRef, repo, tag) => skopeoCopy(dir, fromRef, `${registry.host}/${repo}:${tag}`, registry.auth),
    stop: () => {
      stopped ??= (async () => {
        if (child) await terminate(child, 10000);
        await issuer?.stop();
        await removeTree(dir);
        unregister();
      })();
      return stopped;
    },
  };
  try {
    const service = opts.service ?? 'imgpromo-test-registry';
    issuer = await startTokenIssuer(dir, { ...opts, service });
    registry.issuer = issuer;
    registry.auth = issuer.auth;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const configFile = writeTokenConfig(dir, storageDir, port, issuer, service);
      const offset = sizeOf(logFile);
      child = spawnService('docker-registry', ['serve', configFile], logFile, serviceEnv());
      if (child.pid === undefined) {
        await exited(child);
        throw new Error("could not start docker-registry (is Debian's docker-registry installed?)");
      }
      recordChildren(dir, [child.pid]);
      try {
        await waitForBearerChallenge(port, child, logFile, offset, opts.startTimeoutMs ?? 30000);
        registry.port = port;
        registry.host = `127.0.0.1:${port}`;
        registry.url = `http://127.0.0.1:${port}`;
        return registry;
      } catch (err) {
        lastError = err as Error;
        await terminate(child, 5000);
        if (!/address already in use/.test(lastError.message)) break;
      }
    }
    throw lastError ?? new Error('token registry did not start');
  } catch (err) {
    await registry.stop();
    throw err;
  }
}

function writeTokenConfig(dir: string, storageDir: string, port: number, issuer: TokenIssuer, service: string): string {
  const bundle = join(dir, 'rootcertbundle.pem');
  writeFileSync(bundle, issuer.certificatePem);
  return writeRegistryConfig(dir, {
    storageDir,
    port,
    auth: [
      'auth:',
      '  token:',
      `    realm: ${JSON.stringify(issuer.realm)}`,
      `    service: ${JSON.stringify(service)}`,
      `    issuer: ${JSON.stringify(issuer.issuer)}`,
      `    rootcertbundle: ${JSON.stringify(bundle)}`,
    ],
  });
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function waitForBearerChallenge(port: number, child: ChildProcess, logFile: string, offset: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry (token auth) exited (${child.exitCode ?? child.signalCode}) before answering /v2/:\n${tailOf(logFile)}`);
    }
    const challenge = await v2Challenge(port);
    let listening = false;
    try {
      listening = readFileSync(logFile).subarray(offset).toString('utf8').includes(`listening on 127.0.0.1:${port}`);
    } catch {
      listening = false;
    }
    if (challenge?.startsWith('Bearer ') && listening) return;
    if (Date.now() - started > timeoutMs) throw new Error(`docker-registry (token auth) did not answer /v2/ within ${timeoutMs} ms:\n${tailOf(logFile)}`);
    await delay(50);
  }
}

function v2Challenge(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      const header = res.headers['www-authenticate'];
      resolve(res.statusCode === 401 ? (Array.isArray(header) ? header[0] : header) : undefined);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** skopeo copy --all --preserve-digests, plain HTTP both ends, no user auth file. */
function skopeoCopy(dir: string, from: string, to: string, destAuth: BasicAuth): Promise<void> {
  const authFile = join(dir, 'skopeo-auth.json');
  writeFileSync(authFile, '{"auths":{}}\n');
  const args = [
    'copy',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    '--src-authfile',
    authFile,
    '--dest-creds',
    `${destAuth.username}:${destAuth.password}`,
    `docker://${from}`,
    `docker://${to}`,
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, REGISTRY_AUTH_FILE: authFile };
  delete env.DOCKER_CONFIG;
  return new Promise((resolve, reject) => {
    execFile('skopeo', args, { env, timeout: 120000 }, (err, _stdout, stderr) => {
      // Only skopeo's words: the arguments hold the password.
      if (err) reject(new Error(`skopeo copy ${from} → ${to} failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}
