// The pure parts of what runs and the redeploy: how runtimes name digests, how a container is
// recreated with another image, and how the row reads what runs against its tag.
import * as assert from 'node:assert/strict';
import { environmentDescriptionParts, environmentState } from '../../src/app/statusText';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { ContainerDefinition } from '../../src/engine/engine';
import { glanceOf } from '../../src/model/glance';
import type { EnvironmentRow, Snapshot } from '../../src/model/snapshot';
import { recreateSpec, sideBySideProblem } from '../../src/runtime/containerSpec';
import { isRepository, parseRepoDigest } from '../../src/runtime/imageIds';
import { awaitRollout } from '../../src/runtime/rollout';
import { readRunning, untrustedRuntimeProblem, type Running } from '../../src/runtime/running';
import { testAppServices } from '../harness/appServices';
import { parseRepository } from '../../src/core/reference';
import { silentLogger } from '../../src/core/log';
import { confirmationDetailLines } from '../../src/app/text/confirmationText';
import { DEPLOY_UNTRUSTED_REASON, redeployAndWait } from '../../src/runtime/deployStep';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('what runs: digests, recreation, the row', () => {
  it('reads the digest of imageID in the forms runtimes write, and refuses an image id', () => {
    assert.deepEqual(parseRepoDigest(`docker-pullable://registry.example.com/team/shop@${A}`), { repository: 'registry.example.com/team/shop', digest: A });
    assert.deepEqual(parseRepoDigest(`docker.io/library/nginx@${A}`), { repository: 'docker.io/library/nginx', digest: A });
    assert.equal(parseRepoDigest(`docker://${A}`), undefined, 'an image id (the config digest) names no manifest');
    assert.equal(parseRepoDigest(A), undefined);
    assert.equal(parseRepoDigest('registry.example.com/shop@sha256:abc'), undefined);
    assert.ok(isRepository('nginx:1.25', parseRepository('docker.io/library/nginx')));
    assert.ok(isRepository('127.0.0.1:5000/t/shop:staging', parseRepository('127.0.0.1:5000/t/shop')));
    assert.ok(!isRepository('docker.io/istio/proxyv2:1.22.3', parseRepository('registry.example.com/team/shop')));
  });

  const container: ContainerDefinition = {
    id: 'f00dfeed1234567890',
    name: 'shop-1',
    imageId: 'sha256:old',
    running: true,
    config: {
      Hostname: 'f00dfeed1234',
      Image: 'registry/shop@sha256:old',
      Env: ['PATH=/bin', 'BUILD=a', 'INSTANCE=1'],
      Cmd: ['/bin/sleep', '3600'],
      Labels: { 'org.example.build': 'a', app: 'shop' },
      ExposedPorts: { '8080/tcp': {}, '9090/tcp': {} },
      WorkingDir: '/srv',
    },
    hostConfig: {
      NetworkMode: 'bridge',
      RestartPolicy: { Name: 'always' },
      Binds: ['/data:/data'],
      PortBindings: { '8080/tcp': [{ HostIp: '', HostPort: '' }] },
    },
    networks: { bridge: { Aliases: ['f00dfeed1234', 'web'], IPAMConfig: null } },
  };
  const oldImage = {
    Env: ['PATH=/bin', 'BUILD=a'],
    Cmd: ['/bin/sleep', '3600'],
    Labels: { 'org.example.build': 'a' },
    ExposedPorts: { '8080/tcp': {} },
    WorkingDir: '/app',
  };

  it("recreates with the person's configuration and leaves the old image's defaults to the new image", () => {
    const spec = recreateSpec(container, oldImage, 'registry/shop@sha256:new');
    assert.equal(spec.config.Image, 'registry/shop@sha256:new');
    assert.deepEqual(spec.config.Env, ['INSTANCE=1']);
    assert.deepEqual(spec.config.Labels, { app: 'shop' });
    assert.equal('Cmd' in spec.config, false, "the old image's command gives way to the new one's");
    assert.equal(spec.config.WorkingDir, '/srv', 'set by the person (differs from the image)');
    assert.deepEqual(spec.config.ExposedPorts, { '9090/tcp': {} });
    assert.equal('Hostname' in spec.config, false, 'the old id as host name is not carried over');
    assert.deepEqual(spec.hostConfig, container.hostConfig);
    assert.deepEqual(spec.networks, { bridge: { Aliases: ['web'] } });
  });

  it('keeps every network the container is attached to, the one of its network mode first, each with its aliases', () => {
    const spec = recreateSpec(
      {
        ...container,
        hostConfig: { ...container.hostConfig, NetworkMode: 'shop-front' },
        networks: {
          'shop-back': { Aliases: ['f00dfeed1234', 'api-internal'], IPAMConfig: { IPv4Address: '10.9.0.5' } },
          'shop-front': { Aliases: ['api'] },
        },
      },
      oldImage,
      'registry/shop@sha256:new',
    );
    assert.deepEqual(Object.keys(spec.networks ?? {}), ['shop-front', 'shop-back'], 'the network-mode network first: the engine creates on it');
    assert.deepEqual(spec.networks, {
      'shop-front': { Aliases: ['api'] },
      'shop-back': { Aliases: ['api-internal'], IPAMConfig: { IPv4Address: '10.9.0.5' } },
    });
  });

  it('runs both at once unless a fixed host port or the host network is configured', () => {
    assert.equal(sideBySideProblem(container), undefined, 'a port published on a random host port');
    assert.equal(
      sideBySideProblem({ ...container, hostConfig: { PortBindings: { '8080/tcp': [{ HostPort: '8080' }] } } }),
      'it publishes the fixed host port 8080→8080/tcp',
    );
    assert.equal(sideBySideProblem({ ...container, hostConfig: { NetworkMode: 'host' } }), 'it uses the host network');
  });

  function row(tag: string | null, running: Running | undefined): { row: EnvironmentRow; snapshot: Snapshot } {
    const cfg = parsePromotionConfig('image: r.example.com/shop\nenvironments:\n  - name: staging\n    tag: staging\n').config!;
    const r: EnvironmentRow = {
      env: cfg.environments[0]!,
      index: 0,
      lookup: tag ? { state: 'present', digest: tag, mediaType: 'application/vnd.oci.image.manifest.v1+json' } : { state: 'absent' },
      relation: 'first',
      ...(running ? { running } : {}),
    };
    return {
      row: r,
      snapshot: {
        environments: [r],
        builds: {
          state: 'ok',
          rows: [
            { tag: '8d41e07', digest: B, heldBy: [] },
            { tag: '3f9c2ab', digest: A, heldBy: [] },
          ],
          matching: 2,
          scanned: 2,
          complete: true,
        } as never,
        takenAt: 0,
        durationMs: 0,
      },
    };
  }

  it('the row: runs the tag everywhere, not redeployed on some, nothing running, unreachable', () => {
    const everywhere = row(B, { state: 'read', where: 'x', instances: [1, 2, 3].map((n) => ({ name: `c${n}`, digests: [B] })) });
    assert.equal(environmentDescriptionParts(everywhere.row, everywhere.snapshot.builds).join(' · '), 'staging · 8d41e07 · runs 8d41e07 (3/3)');
    assert.notEqual(environmentState(everywhere.row), 'not-redeployed');

    const some = row(B, {
      state: 'read',
      where: 'x',
      instances: [
        { name: 'c1', digests: [B] },
        { name: 'c2', digests: [A] },
        { name: 'c3', digests: [A] },
      ],
    });
    assert.equal(environmentDescriptionParts(some.row, some.snapshot.builds).join(' · '), 'staging · tag 8d41e07 · runs 3f9c2ab on 2 of 3 — not redeployed');
    assert.equal(environmentState(some.row), 'not-redeployed');
    assert.deepEqual(
      glanceOf(some.snapshot)!.attention.map((g) => g.words),
      ['not redeployed: runs 3f9c2ab on 2 of 3'],
    );

    const none = row(B, { state: 'read', where: 'x', instances: [] });
    assert.equal(environmentState(none.row), 'not-running');
    assert.equal(glanceOf(none.snapshot)!.last.state, 'not-redeployed');

    const down = row(B, { state: 'unreachable', where: 'x', reason: 'no answer within 5 s' });
    assert.equal(environmentDescriptionParts(down.row, down.snapshot.builds).join(' · '), 'staging · 8d41e07 · runtime unreachable');
    assert.equal(glanceOf(down.snapshot)!.attention.length, 0, 'not known is not a disagreement');
  });

  it('a runtime that ignores its signal still ends the refresh at the limit', async () => {
    const never = { where: 'somewhere slow', read: () => new Promise<never>(() => undefined) };
    const started = Date.now();
    assert.deepEqual(await readRunning(never, undefined, 100), { state: 'unreachable', where: 'somewhere slow', reason: 'no answer within 0.1 s' });
    assert.ok(Date.now() - started < 1000);
  });

  it('the wait for the rollout reads again until every instance runs the digest, or says what runs when within runs out', async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const answers = [
      [A, A],
      [B, A],
      [B, B],
    ];
    let read = 0;
    const reader = {
      where: 'x',
      read: async () => ({ where: 'x', instances: answers[Math.min(read++, 2)]!.map((d, i) => ({ name: `c${i}`, digests: [d] })) }),
    };
    const landed = await awaitRollout(reader, B, 60_000, '1m', clock, () => 2_000);
    assert.deepEqual([landed.landed, landed.attempts], [true, 3]);
    read = 0;
    const stuck = await awaitRollout(
      { ...reader, read: async () => ({ where: 'x', instances: [{ name: 'c0', digests: [A] }] }) },
      B,
      5_000,
      '5s',
      clock,
      () => 2_000,
    );
    assert.equal(stuck.landed, false);
    assert.equal(stuck.says, `not everywhere within 5s: ${B.slice(0, 19)} runs on 0 of 1; ${A.slice(0, 19)} on 1 (x)`);
  });

  it('a redeploy runs only in a trusted workspace: in Restricted Mode it fails verification without touching anything', async () => {
    const cfg = parsePromotionConfig(
      'image: r.example.com/shop\nenvironments:\n  - name: staging\n    tag: staging\n    runs: { docker: { labels: { app: shop } } }\n    deploy: { command: [kubectl, rollout, restart, deployment/shop] }\n',
    ).config!;
    const target = cfg.environments[0]!;
    let called = 0;
    const runtime = {
      reader: () => ({ where: 'x', read: async () => ({ where: 'x', instances: [] }) }),
      redeployer: () => ({ what: 'run kubectl', redeploy: async () => (called++, { ok: true, says: 'ran' }) }),
    };
    const context = { sourceDigest: B, sourceImage: 'r.example.com/shop', target, workspaceDir: '.', trusted: false, log: silentLogger };
    const result = await redeployAndWait({
      target,
      digest: B,
      context,
      runtime,
      clock: { now: () => 0, sleep: async () => undefined },
      pause: () => 0,
      progress: () => undefined,
    });
    assert.deepEqual([result.status, result.reason, called], ['failed', DEPLOY_UNTRUSTED_REASON, 0]);
  });

  it('the confirmation says the redeploy that follows the move', () => {
    const cfg = parsePromotionConfig(
      'image: r.example.com/shop\nenvironments:\n  - name: staging\n    tag: staging\n    runs: { docker: { labels: { app: shop } } }\n    deploy: { docker: {}, within: 2m }\n',
    ).config!;
    const lines = confirmationDetailLines({
      mode: 'promotion',
      sourceLabel: 'build 8d41e07',
      target: cfg.environments[0]!,
      digest: B,
      sourceRepository: 'r.example.com/shop',
      targetRepository: 'r.example.com/shop',
      currentTargetDigest: A,
      gates: [],
      requireTypedName: false,
      transport: 'registry',
      transportReason: 'same registry',
      platforms: [],
    });
    assert.ok(lines.includes('Then: redeploy (recreate the containers app=shop) and wait until staging runs it everywhere, within 2m'), lines.join('\n'));
  });

  it('in Restricted Mode, runs is not read where the config names its own engine or sends secrets; the row says so', async () => {
    const cfg = parsePromotionConfig(
      [
        'image: r.example.com/shop',
        'environments:',
        '  - name: a',
        '    tag: a',
        '    runs: { docker: { host: "ssh://deploy@attacker.example.com", labels: { app: shop } } }',
        '  - name: b',
        '    tag: b',
        '    runs: { http: { url: "https://s.example.com/v", jsonPath: $.digest, headers: { Authorization: "Bearer ${env:TOKEN}" } } }',
        '  - name: c',
        '    tag: c',
        '    runs: { http: { url: "http://127.0.0.1:9/v", jsonPath: $.digest } }',
        '',
      ].join('\n'),
    ).config!;
    const [a, b, c] = cfg.environments;
    assert.match(untrustedRuntimeProblem(a!.runs!)!, /names its own engine/);
    assert.match(untrustedRuntimeProblem(b!.runs!)!, /sends secrets/);
    assert.equal(untrustedRuntimeProblem(c!.runs!), undefined, 'a plain GET is read, as an http gate would run');
    const app = testAppServices({ dockerHost: '' }, { lookupTimeoutMs: () => 1000, transport: () => 'auto', trusted: () => false });
    const running = await app.snapshotServices(undefined).readRunning!(a!);
    assert.deepEqual(running && running.state === 'unreachable' && [running.restricted, running.reason], [true, untrustedRuntimeProblem(a!.runs!)]);
    const r = row(B, running);
    assert.equal(environmentDescriptionParts(r.row, r.snapshot.builds).join(' · '), 'staging · 8d41e07 · what runs: not read in Restricted Mode');
  });
});
