// A multi-root workspace in the real workbench: two folders (a .code-workspace), each with a config
// naming its own repository, show as two group rows in the Environments view, each with its own rows.
import * as assert from 'node:assert/strict';
import { pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { prepareMultiRootWorkspace, type FixtureWorkspace } from '../vscode-host/workspace';
import { Workbench } from './workbench';

describe('UI: multi-root workspace', function () {
  this.timeout(180_000);
  let services: TestServices;
  let wb: Workbench;
  let workspace: FixtureWorkspace;
  const repos = { 'app-a': uniqueRepo('multi-a'), 'app-b': uniqueRepo('multi-b') };

  before(async () => {
    services = await sharedServices();
    const a = await pushImage(services.registryUrl, repos['app-a'], 'a1a1a1a', { created: '2026-06-01T00:00:00Z' });
    const b = await pushImage(services.registryUrl, repos['app-b'], 'b2b2b2b', { created: '2026-06-02T00:00:00Z' });
    await tagExisting(services.registryUrl, repos['app-a'], a.digest, 'dev');
    await tagExisting(services.registryUrl, repos['app-b'], b.digest, 'dev');
    workspace = prepareMultiRootWorkspace({ env: services.env, repositories: repos });
    wb = await Workbench.open({ env: services.env, workspaceFile: workspace.path });
  });

  after(async () => {
    await wb?.close();
    workspace?.dispose();
  });

  it("shows one expanded group row per folder, its image beside it, and each folder's own environments beneath", async () => {
    await wb.openViewContainer();
    await wb.resizeSideBar(560);
    const rows = await wb.waitForTreeRows(
      'Environments',
      (rs) => rs.filter((r) => r.level === 2 && r.label === 'development' && /a1a1a1a|b2b2b2b/.test(r.description)).length === 2,
      60_000,
    );
    const groups = rows.filter((r) => r.level === 1);
    assert.deepEqual(
      groups.map((g) => [g.label, g.description, g.expanded]),
      [
        ['app-a', `${services.registry}/${repos['app-a']}`, true],
        ['app-b', `${services.registry}/${repos['app-b']}`, true],
      ],
    );
    // Under each group, that folder's build in development.
    const under = (group: string): string[] => {
      const start = rows.findIndex((r) => r.level === 1 && r.label === group);
      const end = rows.findIndex((r, i) => i > start && r.level === 1);
      return rows.slice(start + 1, end === -1 ? undefined : end).map((r) => `${r.label}: ${r.description}`);
    };
    assert.ok(
      under('app-a').some((line) => line.startsWith('development:') && line.includes('a1a1a1a')),
      under('app-a').join('\n'),
    );
    assert.ok(
      under('app-b').some((line) => line.startsWith('development:') && line.includes('b2b2b2b')),
      under('app-b').join('\n'),
    );
    assert.ok(!under('app-a').some((line) => line.includes('b2b2b2b')), "A's group shows nothing of B's");
    const files = await wb.screenshot('multi-root', { locator: wb.viewContainer() });
    console.log(`      screenshots: ${files.join(', ')}`);
  });
});
