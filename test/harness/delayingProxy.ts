// An HTTP proxy in front of a registry that holds back the requests matching a pattern before
// forwarding them (everything else passes at once): what a slow write looks like to a client, so a
// test can tell "answered before that write" from "answered after it".
import { startHttpProxy } from './httpProxy';

export interface DelayingProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** Requests held back so far (`PUT /v2/…`), when each was let through (ms since the epoch). */
  readonly held: { readonly line: string; readonly forwardedAt: number }[];
  stop(): Promise<void>;
}

export async function startDelayingProxy(upstreamPort: number, hold: { readonly request: RegExp; readonly ms: number }): Promise<DelayingProxy> {
  const held: { line: string; forwardedAt: number }[] = [];
  const proxy = await startHttpProxy('delaying proxy', upstreamPort, (req, _res, forward) => {
    const line = `${req.method} ${req.url}`;
    const delay = hold.request.test(line) ? hold.ms : 0;
    setTimeout(() => {
      if (delay) held.push({ line, forwardedAt: Date.now() });
      forward();
    }, delay);
  });
  return { ...proxy, held };
}
