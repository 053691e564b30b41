// The words a person reads: confirmation title and button, History rows, build labels.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../src/config/types';
import { parseRepository } from '../../src/core/reference';
import type { HistoryRecord } from '../../src/history/record';
import type { Confirmation } from '../../src/promotion/promote';
import { buildLabel } from '../../src/app/text/buildLabel';
import { confirmationButton, confirmationDetail, confirmationTitle } from '../../src/app/text/confirmationText';
import { historyHeadline } from '../../src/app/text/historyHeadline';
import { outcomeText } from '../../src/app/text/outcomeText';

const D = `sha256:${'4'.repeat(64)}`;
const repository = parseRepository('registry.example.com/app');
const production: EnvironmentConfig = { name: 'production', tag: 'production', image: 'registry.example.com/app', repository, protected: false, gates: [] };
const confirmation = (extra: Partial<Confirmation> = {}): Confirmation => ({
  mode: 'promotion',
  sourceLabel: 'staging',
  target: production,
  digest: D,
  sourceRepository: 'registry.example.com/app',
  targetRepository: 'registry.example.com/app',
  currentTargetDigest: null,
  gates: [],
  requireTypedName: false,
  transport: 'registry',
  transportReason: 'registry-side',
  platforms: [],
  ...extra,
});

describe('what a person reads', () => {
  it("the rollback dialog's button says Roll Back, also when the name is typed next; a promotion's says Continue… then", () => {
    assert.equal(confirmationButton(confirmation({ mode: 'rollback' })), 'Roll Back');
    assert.equal(confirmationButton(confirmation()), 'Promote');
    assert.equal(confirmationButton(confirmation({ mode: 'rollback', requireTypedName: true })), 'Roll Back…');
    assert.equal(confirmationButton(confirmation({ requireTypedName: true })), 'Continue…');
  });

  it('confirmations lead with the build tag and revision; the digest stays one line below', () => {
    const c = confirmation({ build: { tag: '1.4.2', revision: '3f9c2ab0c0ffee0000000000000000000000dead' } });
    assert.equal(confirmationTitle(c), 'Promote 1.4.2 (rev 3f9c2ab) from staging into production?');
    assert.match(confirmationDetail(c), /^1\.4\.2 \(rev 3f9c2ab\): staging → production \(production is empty\)\n/);
    assert.match(confirmationDetail(c), new RegExp(`Digest: ${D}`));
    assert.equal(confirmationTitle(confirmation({ mode: 'rollback' })), `Roll production back to sha256:${'4'.repeat(12)}?`);
    assert.equal(buildLabel({ tag: 'c52a9f1', revision: 'c52a9f1e0e0e0e0e0e0e' }, D), 'c52a9f1', 'a commit tag is not repeated');
    assert.equal(
      outcomeText({ message: 'staging now holds sha256:444444444444.', digest: D }, { tag: 'c52a9f1' }),
      'c52a9f1: staging now holds sha256:444444444444.',
    );
    assert.equal(outcomeText({ message: 'Cancelled.', digest: D }, undefined), 'Cancelled.', 'no build known: the message as it is');
  });

  it('a History row words only a succeeded attempt as done', () => {
    const record = (kind: 'promotion' | 'rollback', outcome: HistoryRecord['outcome']): HistoryRecord => ({
      v: 1,
      id: 'x',
      time: '2026-01-01T00:00:00Z',
      durationMs: 1,
      kind,
      who: { user: 'ada' },
      image: 'registry.example.com/app',
      source: { label: 'staging', repository: 'registry.example.com/app', buildTag: '8d41e07' },
      target: { environment: 'production', tag: 'production', repository: 'registry.example.com/app' },
      digest: D,
      transport: 'registry',
      gates: [],
      outcome,
      message: '',
    });
    assert.equal(historyHeadline(record('rollback', 'blocked')), 'rollback to 8d41e07 blocked');
    assert.equal(historyHeadline(record('rollback', 'succeeded')), 'rolled back to 8d41e07');
    assert.equal(historyHeadline(record('promotion', 'failed')), '8d41e07 from staging: failed');
    assert.equal(historyHeadline(record('promotion', 'succeeded')), '8d41e07 promoted from staging');
  });

  it('"Create Promotion Config" is offered in the palette only when the workspace (or, multi-root, one of its folders) has no config', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      contributes: { menus: { commandPalette: { command: string; when?: string }[] } };
    };
    const entry = manifest.contributes.menus.commandPalette.find((m) => m.command === 'imagePromotion.createConfig');
    // imagePromotion.folderWithoutConfig is set only while some workspace folder has no config (workspaces.ts).
    assert.equal(entry?.when, 'imagePromotion.state == noConfig || imagePromotion.folderWithoutConfig');
  });
});
