// A request whose body is a stream, sent with node:http(s) and real backpressure: the next chunk is
// pulled only once the socket took the previous one.
//
// Why not fetch: Node 20's fetch (undici 6.24) keeps every chunk of a streamed request body in
// memory until the request is over and beyond (measured: sending 96 MiB from an async generator
// grew external memory by ~97 MiB even after a GC, with or without Content-Length, with an async
// iterable or a ReadableStream body). A layer of several GiB must not become several GiB of memory.
// The answer is returned as a fetch Response (its body is small: registries answer uploads with
// headers and at most a short JSON error), so callers treat both alike. `agent` keeps connections
// alive between uploads (transport/connections.ts).
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

const MAX_ANSWER_BYTES = 1024 * 1024;

export async function sendStream(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  agent?: Agent,
): Promise<Response> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let answered = false;
    let bodyDone = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const req = send(target, { method, headers, signal, ...(agent ? { agent } : {}) });
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        if (length < MAX_ANSWER_BYTES) chunks.push(chunk);
        length += chunk.length;
      });
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        const status = res.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
        }
        // The registry answered before taking the whole body (e.g. 401): this connection is done.
        if (!bodyDone) req.destroy();
        const noBody = status === 204 || status === 304 || status < 200;
        resolve(
          new Response(noBody ? null : Buffer.concat(chunks), {
            status: status < 200 ? 502 : status,
            statusText: res.statusMessage ?? '',
            headers: responseHeaders,
          }),
        );
      });
    });
    void (async () => {
      try {
        for await (const chunk of body) {
          if (answered || settled) return;
          if (!req.write(chunk)) {
            await new Promise<void>((resume) => {
              const go = (): void => {
                req.off('drain', go);
                req.off('close', go);
                resume();
              };
              req.on('drain', go);
              req.on('close', go);
            });
          }
          if (req.destroyed) return;
        }
        bodyDone = true;
        req.end();
      } catch (error) {
        // The body failed (a digest that does not match, the source registry gone) or the request
        // was aborted: the registry never sees a complete upload.
        fail(error);
        req.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    })();
  });
}
