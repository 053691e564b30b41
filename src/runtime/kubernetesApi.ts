// The one Kubernetes API call the runtime makes — list the pods matching a selector — through the
// kubeconfig's API server and credentials, as kubectl would: @kubernetes/client-node reads the
// kubeconfig (KUBECONFIG, else ~/.kube/config), picks the context and applies its certificates,
// tokens, exec plugins and proxy. Loaded on first use (it is large), like dockerode.
import * as http from 'node:http';
import * as https from 'node:https';
import { PromotionError } from '../core/errors';

/** The fields of a PodList this reads (core/v1, as the API server answers). */
export interface PodList {
  readonly kind?: string;
  readonly items: readonly Pod[];
}

export interface Pod {
  readonly metadata?: { readonly name?: string; readonly deletionTimestamp?: string };
  readonly status?: {
    readonly phase?: string;
    readonly containerStatuses?: readonly {
      readonly name: string;
      readonly image?: string;
      readonly imageID?: string;
      readonly state?: { readonly running?: unknown; readonly waiting?: unknown; readonly terminated?: unknown };
    }[];
  };
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 15_000;

export interface PodQuery {
  /** Absent: the kubeconfig's current context. */
  readonly context?: string;
  readonly namespace: string;
  readonly selector: string;
}

/** `GET /api/v1/namespaces/{namespace}/pods?labelSelector=…`; the server's refusal said in words. */
export async function listPods(query: PodQuery, signal?: AbortSignal): Promise<{ server: string; context: string; pods: PodList }> {
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (error) {
    throw new PromotionError('config', `the kubeconfig cannot be read: ${(error as Error).message}`, 'Set KUBECONFIG, or check ~/.kube/config.');
  }
  if (query.context) {
    if (!kc.getContextObject(query.context))
      throw new PromotionError(
        'config',
        `the kubeconfig has no context "${query.context}" (it has ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    kc.setCurrentContext(query.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new PromotionError('config', `the kubeconfig's context "${kc.getCurrentContext()}" names no cluster`);
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  const url = new URL(`${cluster.server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(query.namespace)}/pods`);
  url.searchParams.set('labelSelector', query.selector);
  const body = await get(url, options, signal);
  let pods: PodList;
  try {
    pods = JSON.parse(body.text) as PodList;
  } catch {
    throw new PromotionError('protocol', `the API server at ${url.host} did not answer JSON`);
  }
  if (body.status !== 200) {
    const message = (pods as unknown as { message?: string }).message ?? `status ${body.status}`;
    const kind = body.status === 401 ? 'unauthorized' : body.status === 403 ? 'denied' : body.status === 404 ? 'not-found' : 'protocol';
    throw new PromotionError(kind, `the API server at ${url.host} refused to list pods in ${query.namespace}: ${message}`);
  }
  if (!Array.isArray(pods.items)) throw new PromotionError('protocol', `the API server at ${url.host} answered something other than a PodList`);
  return { server: url.host, context: kc.getCurrentContext(), pods };
}

function get(url: URL, options: https.RequestOptions, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    const request = client.request(url, { ...options, signal: signal ? AbortSignal.any([signal, timeout]) : timeout }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) request.destroy(new PromotionError('protocol', `the API server at ${url.host} answered more than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof PromotionError) return reject(error);
      if (signal?.aborted) return reject(new PromotionError('cancelled', 'cancelled'));
      if (timeout.aborted) return reject(new PromotionError('timeout', `the API server at ${url.host} did not answer within ${TIMEOUT_MS / 1000} s`));
      reject(
        new PromotionError('registry-unreachable', `cannot reach the API server at ${url.host}: ${error.code ?? error.message}`, undefined, { cause: error }),
      );
    });
    request.end();
  });
}
