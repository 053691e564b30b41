// An HTTP proxy in front of a registry that answers the first requests matching a pattern itself
// (the registry never sees them) and forwards everything else: a registry's refusal of one request,
// e.g. Distribution's 400 DIGEST_INVALID to a manifest PUT while another writer commits a blob it
// names, on demand. It lists every matching request, answered or forwarded, so a test can count tries.
import { startHttpProxy } from './httpProxy';

export interface ProxyAnswer {
  /** Matched against `METHOD /path?query`, e.g. `PUT /v2/team/app/manifests/dev.hold`. */
  readonly request: RegExp;
  readonly status: number;
  /** JSON, sent as `application/json`. */
  readonly body: string;
  /** How many matching requests are answered before the rest pass (default: once). */
  readonly times?: number;
}

export interface AnsweringProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** The matching requests so far (`PUT /v2/…`), and whether the proxy answered them. */
  readonly matched: { readonly line: string; readonly answered: boolean }[];
  stop(): Promise<void>;
}

export async function startAnsweringProxy(upstreamPort: number, answer: ProxyAnswer): Promise<AnsweringProxy> {
  const matched: { line: string; answered: boolean }[] = [];
  const proxy = await startHttpProxy('answering proxy', upstreamPort, (req, res, forward) => {
    const line = `${req.method} ${req.url}`;
    if (!answer.request.test(line)) return forward();
    const answered = matched.filter((m) => m.answered).length < (answer.times ?? 1);
    matched.push({ line, answered });
    if (!answered) return forward();
    // The body is read to its end first, so the client sees an answer, not a reset.
    req.resume();
    req.on('end', () => res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body));
  });
  return { ...proxy, matched };
}

/** Distribution's body for a manifest it cannot check while another writer commits a blob it names. */
export const DIGEST_INVALID_BODY = JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }] });
