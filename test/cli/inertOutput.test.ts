// Inert output end to end: the built CLI (dist/cli.js) as a separate process, on "GitHub Actions",
// over a history file holding a forged record (a who.name with a line break and a workflow command,
// terminal escapes in its labels) and a registry image whose labels hold ESC sequences, C1 and bidi
// overrides. Whatever it prints: no raw control character, and no line a runner would read as a
// workflow command except the CLI's own `::error` annotations.
import * as assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { pushImage, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { cliEnv, describeRun, runCli, workspace, type CliRun } from './support';

const ESC = '\u001b';
const INJECTED = '::error title=Injected::this line was forged by a history record ##[error]and this in the older form';
const LINK = `${ESC}]8;;https://evil.example/${ESC}\\innocent${ESC}]8;;${ESC}\\`;
// The label gate quotes the first 60 characters: C1 and bidi first.
const HOSTILE_LABEL = `txt.\u202eexe.sh \u009b2J \u2066x\u2069 ${ESC}[31mplatform${ESC}[0m ${LINK}`;

/** Any character that must never reach a terminal raw (LF only between lines). */
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** The CLI's own annotation: the one workflow command it may print, on stderr. */
const OWN_ANNOTATION = /^::error title=[^:,\r\n]*::[^\r\n]*$/;

function assertInert(run: CliRun, what: string): void {
  for (const [stream, text] of [
    ['stdout', run.stdout],
    ['stderr', run.stderr],
  ] as const) {
    const at = RAW.exec(text);
    assert.equal(at, null, `${what}: a raw ${JSON.stringify(at?.[0])} on ${stream}\n${describeRun(run)}`);
    assert.doesNotMatch(text, /##\[/, `${what}: the runner's older command form on ${stream}\n${describeRun(run)}`);
    for (const line of text.split(/\r\n|\r|\n/)) {
      if (!line.trimStart().startsWith('::')) continue;
      assert.ok(stream === 'stderr' && OWN_ANNOTATION.test(line), `${what}: ${stream} line starts a workflow command: ${line}\n${describeRun(run)}`);
      assert.doesNotMatch(line, /^::error title=Injected/, what);
    }
  }
}

describe('image-promotion CLI: inert output', function () {
  this.timeout(120_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  it('a forged history record and hostile image labels print as escaped text, never as terminal control or workflow commands', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, 'a1b2c3d', {
      labels: { 'com.example.team': HOSTILE_LABEL, 'org.opencontainers.image.revision': `${ESC}[8m${'a'.repeat(7)}\u202e` },
    });
    const labelGate = '{ type: label, name: labels, labels: { com.example.team: "^platform$" }, revision: true }';
    const dir = workspace(
      promotionYaml(`${svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: [labelGate] },
      ]),
    );
    const env = cliEnv(svc, { GITHUB_ACTIONS: 'true' });

    const promoted = await runCli(['promote', 'development', '--build', 'a1b2c3d', '--yes'], { cwd: dir, env });
    assert.equal(promoted.code, 0, describeRun(promoted));
    assertInert(promoted, 'promote development');

    // A record as a colleague's (or an attacker's) commit could bring it: a valid line, hostile values.
    const historyFile = path.join(dir, '.promotion', 'history.jsonl');
    const lines = readFileSync(historyFile, 'utf8').split('\n').filter(Boolean);
    const record = JSON.parse(lines[lines.length - 1]!) as { id?: string; who: Record<string, string>; source: Record<string, string>; time: string };
    const forged = {
      ...record,
      ...(record.id ? { id: `${record.id}-forged` } : {}),
      time: new Date(Date.parse(record.time) + 1000).toISOString(),
      who: { ...record.who, name: `mallory\n${INJECTED}\r${LINK}` },
      source: { ...record.source, label: `build ${ESC}[1ma1b2c3d${ESC}[0m\u202e` },
    };
    appendFileSync(historyFile, `${JSON.stringify(forged)}\n`);

    const history = await runCli(['history'], { cwd: dir, env });
    assert.equal(history.code, 0, describeRun(history));
    assertInert(history, 'history');
    assert.ok(history.stdout.includes('by mallory\\n::error title=Injected::'), `the name is shown, escaped:\n${history.stdout}`);
    assert.ok(history.stdout.includes('\\x1b]8;;https://evil.example/\\x1b\\innocent'), `the link is shown as text:\n${history.stdout}`);

    const json = await runCli(['history', '--json'], { cwd: dir, env });
    assert.equal(json.code, 0, describeRun(json));
    assertInert(json, 'history --json');
    const read = JSON.parse(json.stdout) as { records: { who: { name?: string } }[] };
    assert.ok(
      read.records.some((r) => r.who.name === forged.who.name),
      'the JSON carries the exact value',
    );

    for (const args of [['status'], ['check', 'staging'], ['check', 'staging', '--json'], ['promote', 'staging', '--yes']]) {
      const run = await runCli(args, { cwd: dir, env });
      assertInert(run, args.join(' '));
      if (args[0] === 'check' && args.length === 2) {
        assert.equal(run.code, 1, describeRun(run));
        // The label gate names the hostile values: shown, escaped.
        assert.ok(run.stdout.includes('txt.\\u202eexe.sh \\x9b2J \\u2066x\\u2069'), `the label is shown escaped:\n${run.stdout}`);
      }
      if (args[0] === 'promote') {
        assert.equal(run.code, 1, describeRun(run));
        assert.match(run.stderr, /^::error title=promotion into staging blocked::Not promoted into staging: labels: /m, 'its own annotation is there');
      }
    }
  });
});
