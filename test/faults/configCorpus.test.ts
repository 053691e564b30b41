// The corpus of malformed and hostile configs and settings (test/faults/configs, one file per case,
// the expected diagnostic fragment in index.json). Each must give a positioned diagnostic, throw
// nothing, finish in bounded time and memory, and leave the model in a state the tree can show.
// Runs in the fault suite and, through test/unit/configCorpus.test.ts, in the unit suite.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parsePromotionConfigBytes } from '../../src/config/configBytes';
import type { ParsedConfig } from '../../src/config/types';
import { resolveWorkspaceFile } from '../../src/config/workspaceFile';
import { silentLogger } from '../../src/core/log';
import { PromotionModel } from '../../src/model/promotionModel';
import { tally } from './tally';

/** Generous for a machine shared by many: a backtracking regex or a quadratic check takes minutes. */
const TIME_LIMIT_MS = 5_000;
/** Heap growth while parsing one case; an expanded alias bomb needs gigabytes. */
const MEMORY_LIMIT_BYTES = 256 * 1024 * 1024;

interface Case {
  readonly expect: string;
}

/** `{ head, unit, count }`: a file too large to keep in the repository, made when the test runs. */
interface Generated {
  readonly generate: 'repeat';
  readonly head: string;
  readonly unit: string;
  readonly count: number;
}

// Compiled to out/test/faults; the data stays beside the sources.
const DIR = path.resolve(__dirname, '..', '..', '..', 'test', 'faults', 'configs');
const INDEX = JSON.parse(readFileSync(path.join(DIR, 'index.json'), 'utf8')) as Record<string, Case>;

function bytesOf(file: string): Buffer {
  const raw = readFileSync(path.join(DIR, file));
  if (!file.endsWith('.gen.json')) return raw;
  const g = JSON.parse(raw.toString('utf8')) as Generated;
  return Buffer.from(g.head + g.unit.repeat(g.count), 'utf8');
}

/** The lines of the text as an editor counts them (LF, CRLF or CR), for checking positions. */
function lineLengths(bytes: Buffer): number[] {
  return new TextDecoder('utf-8', { fatal: false })
    .decode(bytes)
    .split(/\r\n|\r|\n/)
    .map((l) => l.length);
}

function assertPositioned(parsed: ParsedConfig, bytes: Buffer, file: string): void {
  assert.ok(parsed.diagnostics.length > 0, `${file}: no diagnostic`);
  const lines = lineLengths(bytes);
  for (const d of parsed.diagnostics) {
    const r = d.range;
    const where = `${file}: ${JSON.stringify(d.message.slice(0, 80))} at ${JSON.stringify(r)}`;
    for (const n of [r.startLine, r.startColumn, r.endLine, r.endColumn]) assert.ok(Number.isInteger(n) && n >= 0, where);
    assert.ok(r.startLine < lines.length && r.endLine < lines.length, `${where}: past the last line (${lines.length})`);
    assert.ok(r.startLine < r.endLine || (r.startLine === r.endLine && r.startColumn <= r.endColumn), `${where}: ends before it starts`);
    // +1: a range may end just past the last character (at the line break).
    assert.ok(r.startColumn <= lines[r.startLine]! + 1, `${where}: column past the end of line ${r.startLine + 1}`);
    assert.ok(d.message.trim().length > 0, `${where}: empty message`);
  }
}

describe('config corpus: malformed and hostile configs and settings', function () {
  // The largest cases take a while on a loaded machine; each still has its own limit below.
  this.timeout(60_000);
  const files = readdirSync(DIR)
    .filter((f) => f !== 'index.json')
    .sort();
  let worst = { file: '', ms: 0 };

  it('has at least 100 cases, each listed in index.json with its expected diagnostic', () => {
    assert.ok(files.length >= 100, `only ${files.length} cases`);
    assert.deepEqual(files, Object.keys(INDEX).sort(), 'every file has an index entry and every entry a file');
  });

  const folder = mkdtempSync(path.join(tmpdir(), 'imgpromo-corpus-'));
  after(() => {
    rmSync(folder, { recursive: true, force: true });
    if (worst.file) console.log(`      worst parse time over the corpus: ${worst.ms} ms (${worst.file})`);
  });

  for (const file of Object.keys(INDEX).sort()) {
    const { expect } = INDEX[file]!;
    if (file.endsWith('.settings.json')) {
      it(`${file}: refused, saying what to do`, () => {
        tally('bad-input', `settings ${file}`);
        const settings = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as Record<string, string>;
        const result = resolveWorkspaceFile(folder, settings['imagePromotion.historyFile']!, 'imagePromotion.historyFile');
        assert.ok(!result.ok, `${file} was accepted as ${result.ok ? result.file : ''}`);
        assert.ok(result.problem.includes(expect), `${file}: ${JSON.stringify(result.problem)} does not say ${JSON.stringify(expect)}`);
        assert.match(result.problem, /write a path inside the workspace folder/);
      });
      continue;
    }
    it(`${file}: ${expect.length > 60 ? `${expect.slice(0, 60)}…` : expect}`, () => {
      tally('bad-input', `config ${file}`);
      const bytes = bytesOf(file);
      const heapBefore = process.memoryUsage().heapUsed;
      const started = process.hrtime.bigint();
      let parsed: ParsedConfig;
      assert.doesNotThrow(() => {
        parsed = parsePromotionConfigBytes(bytes);
      }, `${file} threw`);
      const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
      const grown = process.memoryUsage().heapUsed - heapBefore;
      if (ms > worst.ms) worst = { file, ms };
      assert.ok(ms < TIME_LIMIT_MS, `${file}: parsing took ${ms} ms`);
      assert.ok(grown < MEMORY_LIMIT_BYTES, `${file}: the heap grew by ${Math.round(grown / 1024 / 1024)} MiB`);
      assertPositioned(parsed!, bytes, file);
      assert.ok(
        parsed!.diagnostics.some((d) => d.message.includes(expect)),
        `${file}: no diagnostic says ${JSON.stringify(expect)}; got:\n${parsed!.diagnostics.map((d) => `  ${d.range.startLine + 1}:${d.range.startColumn + 1} ${d.message}`).join('\n')}`,
      );
      // What the loader publishes: an invalid config with its problems (or a config with warnings),
      // which the model takes without a refresh and the tree shows as such.
      const model = new PromotionModel({ registry: undefined as never, describe: async () => undefined as never, log: silentLogger });
      const state = parsed!.config
        ? ({ kind: 'ready', file, config: parsed!.config, workspaceDir: folder } as const)
        : ({ kind: 'invalid', file, diagnostics: parsed!.diagnostics } as const);
      if (state.kind === 'ready')
        assert.ok(
          parsed!.diagnostics.every((d) => d.severity === 'warning'),
          `${file}: a config despite errors`,
        );
      if (state.kind === 'invalid') {
        model.setConfig(state);
        assert.equal(model.config.kind, 'invalid');
        model.dispose();
      }
    });
  }
});
