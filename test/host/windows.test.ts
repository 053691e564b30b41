// Release windows through the extension: a deny window covering now freezes the environment's row
// ("frozen until <when> <zone>"), Check Gates says when it opens, and the row thaws by itself when the
// window ends (the tree's window timer), with no refresh asked. The extension's clock is the real one,
// so the windows are one-off intervals placed around now; the expected words are computed here with
// Intl, not with the extension's own formatting.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { pushImage, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { GateCheck } from '../../src/promotion/checkGates';
import { promotionYaml } from '../fixtures/promotionYaml';
import { waitFor } from './constants';
import { hostSuite, writeConfig } from './scripted';

const ZONE = 'Europe/Berlin';

/** `Wed 14:05` (or `Wed 14:05:30`) in ZONE, as a person in Berlin reads it. */
function berlin(instant: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: ZONE, weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.weekday} ${parts.hour}:${parts.minute}${parts.second === '00' ? '' : `:${parts.second}`}`;
}

describe('release windows, in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  hostSuite((a, s) => {
    api = a;
    svc = s;
  });

  it('a deny window covering now: the row is frozen until it ends, Check Gates says so, and the row thaws by itself when it ends', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'f0e2e1a');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const now = Date.now();
    const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
    // staging: frozen for two days (whole minutes); qa: frozen for the next 20 seconds.
    const twoDays = Math.floor(now / 60_000) * 60_000 + 2 * 86_400_000;
    const soon = Math.ceil((now + 20_000) / 1000) * 1000;
    const window = (until: number) => `{ type: window, name: freeze, timezone: ${ZONE}, deny: ["${iso(now - 3_600_000)}/${iso(until)}"] }`;
    await writeConfig(
      api,
      promotionYaml(`${svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: [window(twoDays)] },
        { name: 'qa', gates: [window(soon)] },
      ]),
    );
    await api.model.refresh();
    const rows = () => api.model.snapshot!.environments;
    const node = (i: number) => ({ kind: 'environment' as const, row: rows()[i]!, builds: api.model.snapshot!.builds });
    const description = async (i: number) => String((await api.trees.environments.getTreeItem(node(i))).description);

    assert.match(await description(1), new RegExp(` · frozen until ${berlin(twoDays)} ${ZONE}$`));
    assert.match(await description(2), new RegExp(` · frozen until ${berlin(soon)} ${ZONE}$`));
    assert.doesNotMatch(await description(0), /frozen/, 'an environment without a window gate is never frozen');

    const check = (await vscode.commands.executeCommand('imagePromotion.checkGates', node(0))) as GateCheck;
    assert.equal(check.target, 'staging');
    assert.equal(check.passed, false);
    const freeze = check.gates.find((g) => g.name === 'freeze')!;
    assert.equal(freeze.status, 'failed');
    assert.equal(freeze.reason, `frozen: deny ${iso(now - 3_600_000)}/${iso(twoDays)} until ${berlin(twoDays)} ${ZONE}`);

    // qa's window ends within seconds: the tree redraws then, and the row is no longer frozen.
    const redraws: number[] = [];
    const listening = api.trees.environments.onDidChangeTreeData!(() => redraws.push(Date.now()));
    try {
      const thawed = await waitFor(async () => Date.now() > soon && !(await description(2)).includes('frozen'), 40_000);
      assert.ok(thawed, `qa still reads: ${await description(2)}`);
      // The window timer redraws at the opening (a refresh would only by chance, on its own schedule).
      assert.ok(
        await waitFor(() => redraws.some((t) => t >= soon && t < soon + 3_000), 5_000),
        `redraws at ${redraws.map((t) => t - soon).join(', ')} ms after the opening`,
      );
      assert.match(await description(1), /frozen until/, 'staging stays frozen');
    } finally {
      listening.dispose();
    }
  });
});
