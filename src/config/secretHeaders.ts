// Which request headers carry secrets, and whether a header value holds one written in clear.
import { findPlaceholders } from './placeholders';

const SECRET_NAMES = /^(?:authorization|proxy-authorization|cookie)$|token|secret|passw(?:or)?d|api-?key|auth|session|credential|signature|(?:^|[-_])key$/i;

/** Token formats recognisable on sight, whatever the header is called. */
const SECRET_VALUES = [
  /\beyJ[\w-]{8,}\.[\w-]{8,}\./, // a JWT
  /\bgh[pousr]_[A-Za-z0-9]{20,}/, // GitHub
  /\bgithub_pat_\w{20,}/,
  /\bglpat-[\w-]{20,}/, // GitLab
  /\bxox[abposr]-[\w-]{10,}/, // Slack
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\bsk-[A-Za-z0-9_-]{20,}/,
  /^\s*(?:Bearer|Basic|Token|Digest)\s+\S/i,
];

/** Authorization, Cookie, X-Api-Key, PRIVATE-TOKEN, X-Vault-Token, … */
export function isSecretHeaderName(name: string): boolean {
  return SECRET_NAMES.test(name);
}

/** Whether `value` holds a secret in clear: for a secret header, anything but `${env:NAME}` and an optional scheme word. */
export function hasClearSecret(name: string, value: string): boolean {
  const clear = withoutPlaceholders(value);
  if (isSecretHeaderName(name) && !/^\s*(?:[A-Za-z][\w-]*\s+)?$/.test(clear)) return true;
  return SECRET_VALUES.some((pattern) => pattern.test(clear));
}

/** What to write instead: `Bearer ${env:NAME}` keeps the scheme word the value starts with. */
export function suggestedSecretValue(value: string): string {
  const scheme = /^\s*([A-Za-z][\w-]*)\s+\S/.exec(value)?.[1];
  return scheme ? `${scheme} \${env:NAME}` : '${env:NAME}';
}

function withoutPlaceholders(value: string): string {
  let out = value;
  for (const use of findPlaceholders(value).reverse()) out = out.slice(0, use.start) + out.slice(use.start + use.text.length);
  return out;
}
