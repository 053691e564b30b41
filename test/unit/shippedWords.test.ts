// What a promotion ships, in words: the confirmation's summary, Compare's page, the History entry.
import * as assert from 'node:assert/strict';
import type { EnvironmentConfig } from '../../src/config/types';
import { parseRepository } from '../../src/core/reference';
import type { Commit } from '../../src/git/commitRange';
import type { HistoryRecord } from '../../src/history/record';
import { compareRows, whatShips, type ComparedSide, type Comparison, type Shipped } from '../../src/model/compare';
import type { Confirmation } from '../../src/promotion/promote';
import { renderRecord } from '../../src/app/text/historyMarkdown';
import { compareHtml } from '../../src/app/text/compareHtml';
import { confirmationDetail, confirmationSummary } from '../../src/app/text/confirmationText';
import { shippedSummary } from '../../src/app/text/shippedText';

const D = `sha256:${'5'.repeat(64)}`;
const OLD = `sha256:${'6'.repeat(64)}`;
const repository = parseRepository('registry.example.com/app');
const env = (name: string): EnvironmentConfig => ({ name, tag: name, image: 'registry.example.com/app', repository, protected: false, gates: [] });
const commit = (sha: string, subject: string, extra: Partial<Commit> = {}): Commit => ({
  sha: sha.padEnd(40, '0'),
  subject,
  author: 'Ada Lovelace',
  date: '2026-11-30T10:00:00+00:00',
  merge: false,
  ...extra,
});
const ships = (commits: Commit[], total = commits.length): Shipped => ({ kind: 'ships', from: 'a'.repeat(40), to: 'b'.repeat(40), commits, total });

const confirmation = (extra: Partial<Confirmation> = {}): Confirmation => ({
  mode: 'promotion',
  sourceLabel: 'staging',
  target: env('production'),
  digest: D,
  sourceRepository: 'registry.example.com/app',
  targetRepository: 'registry.example.com/app',
  currentTargetDigest: OLD,
  gates: [
    { name: 'promotion order', type: 'builtin', status: 'passed', reason: 'staging holds it', durationMs: 1 },
    { name: 'smoke', type: 'command', status: 'passed', reason: 'exit 0', durationMs: 1 },
  ],
  requireTypedName: true,
  transport: 'registry',
  transportReason: 'the source is an OCI index',
  platforms: ['linux/amd64', 'linux/arm64'],
  build: { tag: '1.4.2', revision: 'b'.repeat(40) },
  ...extra,
});

describe('what a promotion ships, in words', () => {
  it('the confirmation opens with build, from → to, the commits and the gates; the details come after', () => {
    const c = confirmation({
      shipped: ships([
        commit('c3', 'Fix the session cookie'),
        commit('c2', 'Add the login page'),
        commit('c1', 'Cache the catalogue'),
        commit('c0', 'Bump deps'),
      ]),
    });
    const detail = confirmationDetail(c);
    const [summary, rest] = detail.split('\n\nDetails\n');
    assert.deepEqual(summary!.split('\n'), [
      '1.4.2 (rev bbbbbbb): staging → production (now rev aaaaaaa)',
      'Ships 4 commits to production: Fix the session cookie; Add the login page; Cache the catalogue; …',
      'Gates: all 2 passed · you type "production" next to approve',
    ]);
    // Read in five seconds: three short lines; digests, platforms and transport only below.
    assert.ok(
      summary!.split('\n').every((l) => l.length <= 100),
      summary,
    );
    assert.doesNotMatch(summary!, /sha256:|linux\/|registry-side/);
    assert.match(rest!, new RegExp(`Digest: ${D} \\(linux/amd64, linux/arm64\\)`));
    assert.match(rest!, /Transport: copy registry-side .* — the source is an OCI index/);
    assert.match(rest!, /✓ smoke: exit 0/);
  });

  it('a gate that did not pass, an empty target and no commit list are each said in the summary', () => {
    const lines = confirmationSummary(
      confirmation({
        currentTargetDigest: null,
        requireTypedName: false,
        gates: [{ name: 'smoke', type: 'command', status: 'error', reason: 'timed out', durationMs: 1 }],
        shipped: { kind: 'note', note: 'rewritten', message: 'aaaaaaa (production) is not an ancestor of bbbbbbb (staging)' },
      }),
    );
    assert.deepEqual(lines, [
      '1.4.2 (rev bbbbbbb): staging → production (production is empty)',
      'Commits not listed: aaaaaaa (production) is not an ancestor of bbbbbbb (staging)',
      'Gates: 0 passed, 1 not passed (smoke)',
    ]);
  });

  it('one commit, a rollback taking commits back, the same revision', () => {
    assert.equal(shippedSummary(ships([commit('c1', 'Only change')]), 'staging'), 'Ships 1 commit to staging: Only change');
    assert.equal(
      shippedSummary({ kind: 'takes-back', from: 'a', to: 'b', commits: [commit('c1', 'Bad change')], total: 1 }, 'production'),
      'Takes 1 commit back out of production: Bad change',
    );
    assert.equal(shippedSummary({ kind: 'same', revision: 'c'.repeat(40) }, 'qa'), 'No new commits: qa already runs revision ccccccc');
  });

  it('without revisions or a workspace, whatShips says why instead of listing', async () => {
    assert.match(
      shippedSummary(await whatShips('/nowhere', { label: 'production', revision: 'a'.repeat(40) }, { label: 'staging' }), 'production'),
      /image of staging carries no org\.opencontainers\.image\.revision label/,
    );
    assert.match(
      shippedSummary(await whatShips('/nowhere', { label: 'production', empty: true }, { label: 'staging', revision: 'b'.repeat(40) }), 'production'),
      /production is empty: everything up to bbbbbbb arrives/,
    );
    assert.match(
      shippedSummary(
        await whatShips(undefined, { label: 'production', revision: 'a'.repeat(40) }, { label: 'staging', revision: 'b'.repeat(40) }),
        'production',
      ),
      /no workspace folder is open/,
    );
  });

  it('Compare: rows mark what differs, labels side by side, commits link to the git view and nothing is markup', () => {
    const side = (name: string, digest: string, revision: string, labels: Record<string, string>): ComparedSide => ({
      env: env(name),
      state: 'present',
      digest,
      buildTag: revision.slice(0, 7),
      details: {
        digest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        isIndex: false,
        platforms: ['linux/amd64'],
        labels,
        revision,
        created: '2026-11-30T10:00:00Z',
      },
      size: { total: 3 * 1024 * 1024 },
    });
    const left = side('production', OLD, 'a'.repeat(40), { team: 'payments', 'org.opencontainers.image.revision': 'a'.repeat(40) });
    const right = side('staging', D, 'b'.repeat(40), { team: 'payments', 'org.opencontainers.image.revision': 'b'.repeat(40), extra: '<b>x</b>' });
    const rows = compareRows(left, right);
    const byLabel = Object.fromEntries(rows.map((r) => [r.label, r]));
    assert.equal(byLabel['Platforms']!.same, true);
    assert.equal(byLabel['Revision']!.same, false);
    assert.equal(byLabel['Size']!.left, '3.0 MiB');
    assert.equal(byLabel['Label team']!.same, true);
    assert.equal(byLabel['Label extra']!.left, '—');
    const comparison: Comparison = { left, right, rows, shipped: ships([commit('c1', 'Escape <script>alert(1)</script>', { merge: true })]) };
    const html = compareHtml(comparison);
    assert.match(html, /<a href="command:imagePromotion\.viewCommit\?%5B%22c100000000000000000000000000000000000000%22%5D"/);
    assert.match(html, /Ships 1 commit to production/);
    assert.doesNotMatch(html, /<script>|<b>x<\/b>/);
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /default-src 'none'/);
  });

  it('a History entry renders its text as text: no table broken by a pipe, no HTML from a record', () => {
    const record: HistoryRecord = {
      v: 1,
      id: 'r1',
      time: '2026-01-01T00:00:00Z',
      durationMs: 1200,
      kind: 'promotion',
      who: { user: 'mallory', name: 'Mallory <img src=https://evil.example/x>' },
      image: 'registry.example.com/app',
      source: { label: 'staging | injected', repository: 'registry.example.com/app', buildTag: '8d41e07', revision: 'b'.repeat(40) },
      target: { environment: 'production', tag: 'production', repository: 'registry.example.com/app' },
      digest: D,
      previousDigest: OLD,
      finalDigest: D,
      transport: 'registry',
      gates: [{ name: 'smoke', type: 'command', status: 'passed', reason: 'exit 0 **bold**', durationMs: 5, details: ['a | b `c`'] }],
      outcome: 'succeeded',
      message: 'production now holds 8d41e07.',
    };
    const md = renderRecord(record);
    assert.match(md, /^# Promotion into production: succeeded/);
    assert.match(md, /\| Source \| staging \\\| injected \(registry\.example\.com\/app\) \|/);
    assert.match(md, /\| Who \| Mallory \\<img src=https:\/\/evil\.example\/x\\> \|/);
    assert.match(md, /\| Build \| 8d41e07, revision `b{40}` \|/);
    assert.match(md, /exit 0 \\\*\\\*bold\\\*\\\*/);
    assert.match(md, /- `a \\\| b 'c'`/);
  });

  it("a release's History entry lists every image's digests, its names escaped", () => {
    const record: HistoryRecord = {
      v: 1,
      id: 'r2',
      time: '2026-01-01T00:00:00Z',
      durationMs: 900,
      kind: 'promotion',
      who: { user: 'ada' },
      image: 'registry.example.com/api',
      source: { label: 'staging', repository: 'registry.example.com/api' },
      target: { environment: 'production', tag: 'production', repository: 'registry.example.com/api' },
      digest: D,
      previousDigest: OLD,
      finalDigest: OLD,
      transport: 'registry',
      gates: [],
      outcome: 'failed',
      message: 'web was refused; api was put back.',
      components: [
        {
          name: 'api',
          sourceRepository: 'registry.example.com/api',
          targetRepository: 'registry.example.com/api',
          digest: D,
          previousDigest: OLD,
          finalDigest: OLD,
        },
        { name: 'web|x', sourceRepository: 'registry.example.com/web', targetRepository: 'registry.example.com/web', digest: D, previousDigest: null },
      ],
    };
    const lines = renderRecord(record).split('\n');
    const images = lines.indexOf('## Images');
    assert.ok(images > 0);
    assert.deepEqual(lines.slice(images + 2, images + 6), [
      '| Image | Digest | Before | After |',
      '|---|---|---|---|',
      `| api | \`${D}\` | \`${OLD}\` | \`${OLD}\` |`,
      `| web\\|x | \`${D}\` | \`empty\` | \`not read\` |`,
    ]);
  });
});
