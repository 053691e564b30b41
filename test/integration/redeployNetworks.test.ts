// A recreated container keeps every network it was attached to and its published ports, against the
// harness's real dockerd. That engine runs with --bridge=none and --iptables=false: user-defined
// networks (here `--internal` ones) can still be created and joined, and a fixed host port is accepted
// and kept in the container's configuration, but nothing listens on the host for it (checked on these
// machines: a connect to it is refused), so the ports are read back with inspect rather than dialled.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sharedServices, uniqueRepo, type TestServices } from '../harness';
import { containersWith, digestsRunBy, inspectContainer, pushRunnableImage, removeContainersWith } from '../harness/containers';
import { engineInspectImage, enginePull, engineRequest } from '../harness/engine';
import { config } from './support';
import { promoteIntoStaging } from './runtimeSupport';

describe('a recreated container keeps its networks and ports (real engine)', function () {
  this.timeout(180_000);
  let svc: TestServices;
  const networks: string[] = [];
  let app: string;
  before(async () => {
    svc = await sharedServices();
  });
  afterEach(async () => {
    await removeContainersWith(svc.dockerHost, { 'imgpromo.test': app });
    for (const n of networks.splice(0)) await engineRequest(svc.dockerHost, 'DELETE', `/networks/${n}`);
  });

  async function network(name: string): Promise<void> {
    const res = await engineRequest(svc.dockerHost, 'POST', '/networks/create', {
      body: { Name: name, Driver: 'bridge', Internal: true, CheckDuplicate: true },
    });
    assert.equal(res.status, 201, `network create ${name}: ${res.body.toString()}`);
    networks.push(name);
  }

  it('every network with its aliases, the fixed host port and the exposed ports survive the recreate', async () => {
    app = `nets-${Date.now()}`;
    const [front, back] = [`${app}-front`, `${app}-back`];
    await network(front);
    await network(back);
    const path = uniqueRepo('shop');
    const repo = `${svc.registry}/${path}`;
    const a = await pushRunnableImage(svc.registryUrl, path, 'staging');
    const b = await pushRunnableImage(svc.registryUrl, path, 'dev');
    if (!(await engineInspectImage(svc.dockerHost, a.reference))) await enginePull(svc.dockerHost, a.reference);
    const hostPort = String(20_000 + (randomBytes(2).readUInt16BE() % 30_000));
    // docker run --network <front> --network-alias api -p <hostPort>:8080 --expose 9090, then docker network connect --alias api-internal <back>.
    const created = await engineRequest(svc.dockerHost, 'POST', `/containers/create?name=${app}-1`, {
      body: {
        Image: a.reference,
        Labels: { 'imgpromo.test': app },
        ExposedPorts: { '8080/tcp': {}, '9090/tcp': {} },
        HostConfig: { NetworkMode: front, PortBindings: { '8080/tcp': [{ HostIp: '', HostPort: hostPort }] } },
        NetworkingConfig: { EndpointsConfig: { [front]: { Aliases: ['api'] } } },
      },
    });
    assert.equal(created.status, 201, created.body.toString());
    const id = (JSON.parse(created.body.toString()) as { Id: string }).Id;
    const connected = await engineRequest(svc.dockerHost, 'POST', `/networks/${back}/connect`, {
      body: { Container: id, EndpointConfig: { Aliases: ['api-internal'] } },
    });
    assert.equal(connected.status, 200, connected.body.toString());
    assert.equal((await engineRequest(svc.dockerHost, 'POST', `/containers/${id}/start`)).status, 204);

    const cfg = config(
      [
        `image: ${repo}`,
        'environments:',
        '  - name: development',
        '    tag: dev',
        '  - name: staging',
        '    tag: staging',
        `    runs: { docker: { labels: { imgpromo.test: ${app} } } }`,
        '    deploy: { docker: {}, within: 1m }',
        '',
      ].join('\n'),
    );
    const outcome = await promoteIntoStaging(svc, cfg);
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.match(
      outcome.verification!.gates[0]!.reason,
      new RegExp(`${app}-1 was stopped before its replacement started, since it publishes the fixed host port ${hostPort}→8080/tcp`),
    );

    const [after] = await containersWith(svc.dockerHost, { 'imgpromo.test': app });
    assert.equal(after?.name, `${app}-1`);
    assert.notEqual(after.id, id, 'a new container');
    assert.deepEqual([after.state, await digestsRunBy(svc.dockerHost, after)], ['running', [b.digest]]);
    const seen = (await inspectContainer(svc.dockerHost, after.id))!;
    const nets = seen.NetworkSettings.Networks as Record<string, { Aliases?: string[] }>;
    assert.deepEqual(Object.keys(nets).sort(), [back, front].sort(), 'attached to both networks again');
    assert.ok(nets[front]!.Aliases?.includes('api'), JSON.stringify(nets[front]));
    assert.ok(nets[back]!.Aliases?.includes('api-internal'), JSON.stringify(nets[back]));
    assert.equal(seen.HostConfig.NetworkMode, front);
    assert.deepEqual(seen.HostConfig.PortBindings, { '8080/tcp': [{ HostIp: '', HostPort: hostPort }] });
    assert.deepEqual(Object.keys(seen.Config.ExposedPorts ?? {}).sort(), ['8080/tcp', '9090/tcp']);
  });
});
