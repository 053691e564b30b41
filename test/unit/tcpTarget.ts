// A TCP server that only counts and keeps what connects, for tests of connections opened ahead
// (preconnect.test.ts, earlyConnections.test.ts).
import { createServer, type Server, type Socket } from 'node:net';

export interface TcpTarget {
  readonly server: Server;
  readonly port: number;
  /** The server's side of each connection, in order. */
  readonly accepted: Socket[];
}

export async function listening(): Promise<TcpTarget> {
  const accepted: Socket[] = [];
  const server = createServer((s) => void accepted.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, accepted };
}

/** A fresh target for each test of the suite it is called in, closed after it: read it through the getter. */
export function targetPerTest(): () => TcpTarget {
  let target: TcpTarget | undefined;
  beforeEach(async () => {
    target = await listening();
  });
  afterEach(async () => {
    for (const s of target!.accepted) s.destroy();
    await new Promise((resolve) => target!.server.close(resolve));
  });
  return () => target!;
}

/** Polls every 5 ms, at most 1 s, until `check` holds. */
export async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}
