// A Distribution registry that speaks https only, with a certificate signed by a throwaway "company"
// CA that openssl makes here (nobody trusts it unless told to), on 127.0.0.1:<free port>. It serves
// the storage folder of another harness registry, so images pushed there over plain http (with the
// harness's own fixtures) are read here over TLS: the setup never goes through the code under test.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { registerResource } from './cleanup';
import { freePort } from './ports';
import { delay, exited, serviceEnv, spawnService, tailOf, terminate, terminateSync } from './processes';
import { writeRegistryConfig } from './registry';
import { makeTempDir, recordChildren, removeTree, removeTreeSync } from './tempdirs';

export interface TlsRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** The CA that signed its certificate, PEM (a file nothing trusts by default). */
  readonly caFile: string;
  readonly logTail: (lines?: number) => string;
  stop(): Promise<void>;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`openssl ${args[0]} failed (is Debian's openssl installed?): ${(err as Error).message}`, { cause: err });
  }
}

/** A CA (its own key) and a server certificate for 127.0.0.1 and localhost that it signed. */
export function makeCompanyCa(dir: string): { caFile: string; certificate: string; key: string } {
  const caFile = join(dir, 'company-ca.crt');
  const caKey = join(dir, 'company-ca.key');
  const key = join(dir, 'registry.key');
  const csr = join(dir, 'registry.csr');
  const certificate = join(dir, 'registry.crt');
  const ext = join(dir, 'registry.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '2',
    '-subj',
    '/CN=imgpromo test company CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(['req', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certificate, '-days', '2', '-extfile', ext]);
  return { caFile, certificate, key };
}

/** Starts the https-only registry over `storageDir` and resolves once `GET /v2/` answers over TLS. */
export async function startTlsRegistry(storageDir: string): Promise<TlsRegistry> {
  const dir = makeTempDir('tls-registry');
  const logFile = join(dir, 'registry.log');
  const { caFile, certificate, key } = makeCompanyCa(dir);
  const ca = readFileSync(caFile, 'utf8');
  let child: ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  const unregister = registerResource(
    `tls registry ${dir}`,
    () => registry.stop(),
    () => {
      if (child?.pid !== undefined) terminateSync(child.pid, 10000);
      removeTreeSync(dir);
    },
  );
  const registry: TlsRegistry & { host: string } = {
    host: '',
    caFile,
    logTail: (n = 30) => tailOf(logFile, n),
    stop: () => {
      stopped ??= (async () => {
        if (child) await terminate(child, 10000);
        await removeTree(dir);
        unregister();
      })();
      return stopped;
    },
  };
  try {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const configFile = writeRegistryConfig(dir, { storageDir, port, tls: { certificate, key } });
      child = spawnService('docker-registry', ['serve', configFile], logFile, serviceEnv());
      if (child.pid === undefined) {
        await exited(child);
        throw new Error("could not start docker-registry (is Debian's docker-registry installed?)");
      }
      recordChildren(dir, [child.pid]);
      if (await answersOverTls(port, ca, child, 30_000)) {
        registry.host = `127.0.0.1:${port}`;
        return registry;
      }
      await terminate(child, 5000);
      if (attempt >= 4 || !/address already in use/.test(tailOf(logFile))) throw new Error(`the TLS registry did not start:\n${tailOf(logFile)}`);
    }
  } catch (err) {
    await registry.stop();
    throw err;
  }
}

async function answersOverTls(port: number, ca: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/v2/', method: 'GET', ca, timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end();
    });
    if (status === 200) return true;
    await delay(50);
  }
  return false;
}
