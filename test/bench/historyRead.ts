// How long the history file takes to read at 50,000 lines (the unit test checks it reads them all;
// its wall-clock limit moved here).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../src/core/log';
import { HistoryStore } from '../../src/history/historyStore';
import { recordFromOutcome } from '../../src/history/record';
import { median } from './stats';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

export async function historyReadMs(lines = 50_000, rounds = 5): Promise<{ medianMs: number; bytes: number; runs: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'imgpromo-bench-history-'));
  try {
    const file = join(dir, 'history.jsonl');
    const text: string[] = [];
    for (let i = 0; i < lines; i++) {
      const record = recordFromOutcome(
        {
          status: 'succeeded',
          message: `record ${i}`,
          digest: DIGEST,
          previousDigest: null,
          finalDigest: DIGEST,
          gates: [],
          durationMs: 5,
          transport: 'engine',
        },
        {
          source: { label: 'build 3f9c2ab', buildTag: '3f9c2ab', repository: 'registry.example.com/app' },
          target: { environment: 'staging', tag: 'staging', repository: 'registry.example.com/app' },
          id: String(i),
        },
        { name: 'Ada', email: 'ada@example.com', user: 'ada' },
        Date.UTC(2025, 0, 1) + i * 60_000,
      );
      text.push(JSON.stringify(record));
    }
    const body = `${text.join('\n')}\n`;
    writeFileSync(file, body);
    const runs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      const { records } = await new HistoryStore(file, silentLogger).read();
      runs.push(performance.now() - t);
      if (records.length !== lines) throw new Error(`read ${records.length} of ${lines} history lines`);
    }
    return { medianMs: median(runs), bytes: Buffer.byteLength(body), runs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
