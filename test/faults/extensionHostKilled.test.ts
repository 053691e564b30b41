// The extension host killed mid-promotion, for real: the extension runs in a real VS Code
// (code-server's server build + headless Chromium, test/ui/workbench.ts), promotes development →
// staging registry-side through a fault proxy that slows every byte once the person confirms, and
// the extension host process is SIGKILLed as soon as the start record is in the history file (so
// between the start and the end). The window is then loaded again (a new extension host): the
// History view must show the attempt as interrupted and the Environments view the registry's truth,
// and the next promotion must not be blocked by the dead host's lock.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shortDigest } from '../../src/core/reference';
import { digestOf, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy';
import { Workbench, type TreeRow } from '../ui/workbench';
import { tally, tallyOutcome } from './tally';

const HISTORY = join('.promotion', 'history.jsonl');
/** Added to every chunk each way once the person confirmed: a lookup then takes seconds, so the kill lands mid-write. */
const SLOW_MS = 1500;

interface StartLine {
  id: string;
  outcome: string;
  digest?: string;
  process?: { pid: number; host: string };
}

/** The start record the extension writes just before the tag moves, once it is in the file. */
async function waitForStart(file: string, timeoutMs: number): Promise<StartLine> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const record = JSON.parse(line) as StartLine;
          if (record.outcome === 'started') return record;
        } catch {
          // a line still being written
        }
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no start record in ${file} within ${timeoutMs} ms`);
}

/** The parent pid of a process (Linux /proc), undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function isDescendant(pid: number, ancestor: number): boolean {
  for (let p = parentOf(pid), hops = 0; p !== undefined && p > 1 && hops < 20; p = parentOf(p), hops++) if (p === ancestor) return true;
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('faults: the extension host killed mid-promotion (real VS Code, real registry)', function () {
  this.timeout(300_000);
  let svc: TestServices;
  let proxy: FaultProxy | undefined;
  let wb: Workbench | undefined;

  before(async () => {
    svc = await sharedServices();
  });
  after(async () => {
    await wb?.close();
    await proxy?.stop();
  });

  it('killed between the start record and the end: on restart History shows it interrupted, Environments the registry’s truth', async () => {
    const what = 'extension host SIGKILLed between the start record and the end (registry-side write)';
    const repo = uniqueRepo('app');
    // Older first: promoting a build older than staging's would ask something else first.
    const old = await pushImage(svc.registryUrl, repo, 'def5678');
    await tagExisting(svc.registryUrl, repo, old.digest, 'staging');
    const build = await pushImage(svc.registryUrl, repo, 'abc1234');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    proxy = await startFaultProxy({ upstream: { port: Number(svc.registry.split(':')[1]) } });
    const yaml = [
      `image: ${proxy.host}/${repo}`,
      'builds:',
      "  tagPattern: '^[0-9a-f]{7,40}$'",
      'environments:',
      '  - name: development',
      '    tag: dev',
      '  - name: staging',
      '    tag: staging',
      '',
    ].join('\n');
    wb = await Workbench.open({
      env: svc.env,
      workspace: { template: null, files: { '.promotion.yaml': yaml } },
      userSettings: { 'imagePromotion.transport': 'registry' },
    });
    const historyFile = join(wb.folder, HISTORY);
    await wb.openViewContainer();
    await wb.resizeSideBar(560);
    const row = (rs: TreeRow[], label: string): string => rs.find((r) => r.label === label)?.description ?? '';
    // Rows name a digest by its build tag when one is known, else by the short digest.
    const tags = new Map([
      [old.digest, 'def5678'],
      [build.digest, 'abc1234'],
    ]);
    const shows = (text: string, digest: string | null): boolean =>
      digest ? text.includes(shortDigest(digest)) || text.includes(tags.get(digest) ?? shortDigest(digest)) : /\bempty\b/.test(text);
    await wb.waitForTreeRows('Environments', (rs) => shows(row(rs, 'staging'), old.digest) && shows(row(rs, 'development'), build.digest), 60_000);

    await wb.runCommand('Image Promotion: Promote to Staging');
    const dialog = await wb.waitForDialog();
    assert.match(dialog.message, /into staging\?/);
    tally('fault', what);
    proxy.set({ latencyMs: SLOW_MS });
    proxy.dropAll(); // kept-alive connections get the latency too
    await wb.clickDialogButton('Promote');

    const start = await waitForStart(historyFile, 90_000);
    const pid = start.process?.pid;
    assert.ok(pid, `the start record names its process: ${JSON.stringify(start)}`);
    // Only ever the extension host of the server this test started.
    assert.ok(isDescendant(pid, wb.server.pid), `pid ${pid} is a process of this test's code-server (${wb.server.pid})`);
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    while (isAlive(pid) && Date.now() - killedAt < 10_000) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!isAlive(pid), `the extension host ${pid} is gone`);
    const lines = readFileSync(historyFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    assert.ok(!lines.some((l) => (JSON.parse(l) as { started?: string }).started === start.id), 'no end record: the host died mid-write');
    proxy.set({});

    // Started again: the window loads anew and gets a new extension host.
    await wb.page.reload();
    await wb.waitReady({ activity: 'Image Promotion', timeoutMs: 90_000 });
    await wb.openViewContainer();
    const truth = (await digestOf(svc.registryUrl, repo, 'staging')) ?? null;
    tallyOutcome(what, old.digest, build.digest, truth);
    const environments = await wb.waitForTreeRows('Environments', (rs) => shows(row(rs, 'staging'), truth), 60_000);
    // The History view gets the side bar's height: only rows within a pane are drawn, and once (CI,
    // under load) it showed its two environment rows and not the one under them.
    await wb.collapseView('Environments');
    await wb.collapseView('Builds');
    const history = await wb.waitForTreeRows('History', (rs) => rs.some((r) => /interrupted/.test(r.label)), 60_000);
    const interrupted = history.find((r) => /interrupted/.test(r.label))!;
    console.log(
      `      ${what} → interrupted; staging holds ${truth ? shortDigest(truth) : 'nothing'} (${row(environments, 'staging')}); history: "${interrupted.label}" ${interrupted.description}`,
    );
    assert.ok(
      shows(interrupted.label, build.digest) && interrupted.label.endsWith('from development: interrupted'),
      `the interrupted row names the build: ${interrupted.label}`,
    );
    await wb.screenshot('extension-host-killed');

    // The dead host's promotion lock does not block the next promotion, which lands and is verified.
    await wb.runCommand('Image Promotion: Promote to Staging');
    await wb.waitForDialog();
    await wb.clickDialogButton('Promote');
    await wb.waitForTreeRows('Environments', (rs) => shows(row(rs, 'staging'), build.digest), 60_000);
    const promoted = (await digestOf(svc.registryUrl, repo, 'staging')) ?? null;
    tallyOutcome(`${what} (promoted again after the restart)`, truth, build.digest, promoted);
    assert.equal(promoted, build.digest);
  });
});
