// The docker-credential-helpers protocol: `docker-credential-<name> get`, server URL on stdin,
// `{"ServerURL","Username","Secret"}` on stdout. A Username of `<token>` means Secret is an identity token.
import { spawn } from 'node:child_process';
import type { RegistryCredentials } from './credentials';

export type HelperRunner = (helper: string, serverUrl: string, signal?: AbortSignal) => Promise<RegistryCredentials | undefined>;

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TIMEOUT_MS = 15_000;

export const runCredentialHelper: HelperRunner = (helper, serverUrl, signal) => {
  if (!HELPER_NAME.test(helper)) return Promise.reject(new Error(`"${helper}" is not a credential helper name`));
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], shell: false, ...(signal ? { signal } : {}), timeout: TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(`${program} is not installed or not on PATH`) : error),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        // "credentials not found in native keychain" is the protocol's way of saying "none".
        if (/credentials not found/i.test(stdout + stderr)) return resolve(undefined);
        // Only the helper's words, never its stdout beyond the first line: it could echo a secret.
        return reject(new Error(`${program} exited with ${code ?? 'a signal'}: ${firstLine(stderr) || firstLine(stdout) || 'no message'}`));
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
        reject(new Error(`${program} printed something that is not JSON`));
      }
    });
    // A helper that exits without reading stdin makes this write fail with EPIPE; the exit code
    // above says what went wrong, and an unhandled stream error would crash the extension host.
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
};

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 200);
}
