// A person's next window on a workspace: before the extension's bundle loads, its loader opens the
// connections the window's first lookups will take, to the registry its last rows showed
// (src/vscode/earlyStart.ts). Seen from outside: a TCP proxy in front of the registry accepts them
// before the extension activates (no request can be sent before then), and the extension's log says
// the lookups took them. The figures are the benchmark's first look (test/bench/host.ts).
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { pushImage, sharedServices, tagExisting, uniqueRepo } from '../harness';
import { startCountingProxy, type CountingProxy } from '../harness/countingProxy';
import { harnessClientEnv, startCodeServer, type CodeServer } from '../vscode-host/codeServer';
import { environmentRows, findFiles, newLog, waitForFile } from '../vscode-host/windowFiles';
import { prepareWorkspace } from '../vscode-host/workspace';
import { Workbench } from './workbench';

describe("UI: a new window opens its registry's connections before the extension's bundle loads", function () {
  this.timeout(240_000);
  let server: CodeServer | undefined;
  let proxy: CountingProxy | undefined;
  let workspace: ReturnType<typeof prepareWorkspace> | undefined;

  after(async () => {
    await server?.stop();
    await proxy?.stop();
    workspace?.dispose();
  });

  it('the first lookups go on connections accepted before activation, and the log says they took them', async () => {
    const services = await sharedServices();
    const repo = uniqueRepo('next-window');
    const pushed = await pushImage(services.registryUrl, repo, '3f9c2ab');
    for (const tag of ['dev', 'staging', 'production']) await tagExisting(services.registryUrl, repo, pushed.digest, tag);
    proxy = await startCountingProxy('127.0.0.1', Number(services.registry.split(':')[1]));
    server = await startCodeServer({ env: harnessClientEnv({ ...process.env, ...services.env }), userSettings: { 'imagePromotion.refreshInterval': 0 } });
    workspace = prepareWorkspace({ env: { IMGPROMO_TEST_REGISTRY: proxy.host, IMGPROMO_TEST_REPOSITORY: repo } });

    // The first window refreshes once: its rows are kept in the extension's global storage.
    const first = await Workbench.open({ server, folder: workspace.path });
    try {
      await first.openViewContainer();
      await environmentRows(first, 3, 'fresh', 120_000);
      await waitForFile(server.dirs.userData, 'last-rows.json', 10_000);
    } finally {
      await first.close();
    }
    // The closed window's host ends (code-server would keep it for minutes): every connection the
    // proxy accepts from now on is the next window's.
    await server.endExtensionHosts();
    assert.deepEqual(server.extensionHosts(), [], 'no extension host left running');
    proxy.reset();
    const before = new Set(findFiles(join(server.dirs.userData, 'logs'), 'Image Promotion.log', 5));
    const next = await Workbench.open({ server, folder: workspace.path });
    try {
      await next.openViewContainer();
      await environmentRows(next, 3, 'fresh', 120_000);
      const log = await newLog(server.dirs.userData, before, /environment rows ready/);
      assert.ok(log, "the new window's log says when its rows were ready");
      assert.match(log, /start-up: the extension's bundle loaded in \d+ ms[^\n]*; 3 registry connection\(s\) opened before it/);
      assert.match(log, /start-up: the first requests took 3 of the 3 registry connection\(s\) opened before the bundle loaded/);
      const activated = Date.parse(/activated at (\S+)\)/.exec(log)?.[1] ?? '');
      assert.ok(Number.isFinite(activated), log);
      const early = proxy.acceptedAt.filter((at) => at < activated).length;
      assert.ok(
        early >= 3,
        `3 connections accepted before the extension activated at ${new Date(activated).toISOString()} (accepted: ${proxy.acceptedAt.map((t) => new Date(t).toISOString()).join(', ')})`,
      );
    } finally {
      await next.close();
    }
  });
});
