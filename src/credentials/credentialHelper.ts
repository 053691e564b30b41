// The docker-credential-helpers protocol: `docker-credential-<name> get`, server URL on stdin,
// `{"ServerURL","Username","Secret"}` on stdout. A Username of `<token>` means Secret is an identity token.
import { spawn } from 'node:child_process';
import type { RegistryCredentials } from './credentials';

export type HelperRunner = (helper: string, serverUrl: string, signal?: AbortSignal) => Promise<RegistryCredentials | undefined>;

/** What a broken helper did: the message names the program and this, never what it printed beyond a safe line. */
export type HelperFailure = 'missing' | 'exit' | 'signal' | 'garbage' | 'timeout';

export class CredentialHelperError extends Error {
  override readonly name = 'CredentialHelperError';
  constructor(
    /** `docker-credential-<name>` */
    readonly program: string,
    readonly failure: HelperFailure,
    message: string,
  ) {
    super(message);
  }
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TIMEOUT_MS = 15_000;

export const runCredentialHelper: HelperRunner = (helper, serverUrl, signal) => {
  if (!HELPER_NAME.test(helper)) return Promise.reject(new Error(`"${helper}" is not a credential helper name`));
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], shell: false, ...(signal ? { signal } : {}) });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new CredentialHelperError(program, 'missing', `${program} is not installed or not on PATH`) : error);
    });
    child.on('close', (code, killedBy) => {
      clearTimeout(timer);
      if (signal?.aborted) return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      if (code !== 0) {
        // "credentials not found in native keychain" is the protocol's way of saying "none".
        if (/credentials not found/i.test(stdout + stderr)) return resolve(undefined);
        if (timedOut) return reject(new CredentialHelperError(program, 'timeout', `${program} did not answer within ${TIMEOUT_MS / 1000} s and was stopped`));
        const said = safeHelperText(stderr) || safeHelperText(stdout);
        if (code === null)
          return reject(new CredentialHelperError(program, 'signal', `${program} exited with a signal (${killedBy ?? 'unknown'})${said ? `: ${said}` : ''}`));
        return reject(new CredentialHelperError(program, 'exit', `${program} exited with ${code}${said ? `: ${said}` : ''}`));
      }
      try {
        const parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (!parsed.Secret) return resolve(undefined);
        resolve(
          parsed.Username === '<token>'
            ? { serverAddress: serverUrl, identityToken: parsed.Secret }
            : { serverAddress: serverUrl, username: parsed.Username ?? '', password: parsed.Secret },
        );
      } catch {
        reject(new CredentialHelperError(program, 'garbage', `${program} printed something that is not JSON`));
      }
    });
    // A helper that exits without reading stdin makes this write fail with EPIPE; the exit code
    // above says what went wrong, and an unhandled stream error would crash the extension host.
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
};

/**
 * The first line a failed helper printed, if it cannot be a secret: helpers print their errors on
 * stdout, the same stream the secret travels on, so anything JSON-like or naming a secret, token
 * or password is left out, as is any long unbroken word (a key, a token).
 */
export function safeHelperText(text: string): string {
  const line = (text.split('\n').find((l) => l.trim()) ?? '').trim();
  if (!line || line.length > 200) return '';
  if (/[{}"]/.test(line) || /secret|token|passw|bearer|basic |\bkey\b|api[-_]?key/i.test(line)) return '';
  if (line.split(/\s+/).some((word) => word.length > 24)) return '';
  return line;
}
