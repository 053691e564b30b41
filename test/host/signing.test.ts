// imagePromotion.signingKey inside a real extension host: a promotion made in the editor is signed in
// cosign's layout, checked over plain HTTP with Node's crypto; a key that cannot be read stops it
// before anything moves.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { digestOf, pushImage, servicesFromEnv, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { PromotionOutcome } from '../../src/promotion/promote';
import { promotionYaml } from '../fixtures/promotionYaml';
import { buildLabel } from '../../src/app/text/buildLabel';
import { checkedAttestations } from '../evidence/independentCheck';
import { waitFor } from './constants';
import { configUri, extensionApi, ScriptedInteraction, writeConfig } from './scripted';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

/** `image-promotion <args>` (dist/cli.js, a separate process) in the test folder. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // ELECTRON_RUN_AS_NODE: under desktop VS Code process.execPath is Electron; under code-server it is node.
    execFile(process.execPath, [CLI, ...args], { cwd: join(configUri().fsPath, '..'), env: { ...env, ELECTRON_RUN_AS_NODE: '1' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('signed promotions in the editor (imagePromotion.signingKey)', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let original: Uint8Array;
  let dir: string;
  const setting = (value: string | undefined) =>
    vscode.workspace.getConfiguration('imagePromotion').update('signingKey', value, vscode.ConfigurationTarget.Global);

  before(async () => {
    const found = servicesFromEnv();
    if (!found) throw new Error('the harness services are not in the environment (IMGPROMO_TEST_*)');
    svc = found;
    api = await extensionApi();
    original = await vscode.workspace.fs.readFile(configUri());
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-host-keys-'));
  });
  afterEach(async () => {
    api.useInteraction(undefined);
    await setting(undefined);
  });
  after(async () => {
    await vscode.workspace.fs.writeFile(configUri(), original);
    rmSync(dir, { recursive: true, force: true });
  });

  it('"Promote to Staging" with a user-level signing key attaches a signed attestation; a non-P-256 key stops it first', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'acce551');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaFile = join(dir, 'rsa.key');
    writeFileSync(rsaFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await setting(rsaFile);
    const ui = new ScriptedInteraction({ confirm: true });
    api.useInteraction(ui);
    assert.equal(await vscode.commands.executeCommand('imagePromotion.promoteToStaging'), undefined);
    assert.equal(ui.errors.length, 1, JSON.stringify(ui.errors));
    assert.match(ui.errors[0]!.message, /RSA key; promotion attestations are signed with ECDSA P-256/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), undefined, 'nothing moved');

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyFile = join(dir, 'promotion.key');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await setting(keyFile);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    // The attestation follows "done", beside the registry record.
    let checked: Awaited<ReturnType<typeof checkedAttestations>> = [];
    await waitFor(async () => (checked = await checkedAttestations(svc.registryUrl, repo, build.digest, publicKey)).length > 0, 10_000);
    assert.deepEqual(
      checked.map((c) => [c.statement.predicate.target.environment, c.statement.predicate.kind, c.verifies]),
      [['staging', 'promotion', true]],
    );
  });

  it("with promotionKeys, an Environments row's description and tooltip say whether its digest is signed as promoted through the environments before", async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'acce552');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyFile = join(dir, 'chain.key');
    const pubFile = join(dir, 'chain.pub');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const yaml = promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]);
    await writeConfig(api, `${yaml}promotionKeys: [${JSON.stringify(pubFile)}]\n`);
    const tooltipOf = async (index: number, digest: string): Promise<string> => {
      assert.ok(
        await waitFor(() => {
          const row = api.model.snapshot?.environments[index];
          return row?.lookup.state === 'present' && row.lookup.digest === digest;
        }, 10_000),
      );
      const row = api.model.snapshot!.environments[index]!;
      const node = { kind: 'environment' as const, row, builds: api.model.snapshot!.builds };
      const item = await api.trees.environments.resolveTreeItem!(new vscode.TreeItem('x'), node, new vscode.CancellationTokenSource().token);
      return (item!.tooltip as vscode.MarkdownString).value.replace(/\\/g, '');
    };
    /** The row's description once its signed word is known (checked in the background after the refresh). */
    const descriptionOf = async (index: number, word: RegExp): Promise<string> => {
      let description = '';
      await waitFor(async () => {
        const row = api.model.snapshot!.environments[index]!;
        const item = (await api.trees.environments.getTreeItem({ kind: 'environment', row, builds: api.model.snapshot!.builds })) as vscode.TreeItem;
        description = String(item.description ?? '');
        return word.test(description);
      }, 10_000);
      return description;
    };

    // development moved by hand (unsigned): with promotionKeys the order gate refuses to promote it onwards,
    // staging keeps what it held, and development's row says why.
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await setting(keyFile);
    api.useInteraction(new ScriptedInteraction({ confirm: true }));
    await api.model.refresh();
    const blocked = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(blocked.status, 'blocked');
    assert.match(blocked.message, /promotion order: development holds sha256:\S+, but not as signed promoted there \(promotionKeys\)/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), undefined, 'nothing moved');
    await api.model.refresh();
    // Nothing was ever signed for this digest (the promotion onwards was refused): no .att at all.
    assert.match(await tooltipOf(0, build.digest), /Not signed as promoted: development: unsigned: \S+:sha256-[0-9a-f]{64}\.att does not exist/);
    assert.match(await descriptionOf(0, /unsigned/), /(^| · )unsigned: no attestation into development$/);

    // A build promoted signed into development and then staging: the whole chain.
    const next = await pushImage(svc.registryUrl, repo, 'acce553');
    await api.model.refresh(); // the build list the pick offers
    const person = new ScriptedInteraction({ pick: ['development', 'acce553'], confirm: true });
    api.useInteraction(person);
    const intoDevelopment = (await vscode.commands.executeCommand('imagePromotion.promote')) as PromotionOutcome | undefined;
    assert.equal(intoDevelopment?.status, 'succeeded', JSON.stringify({ intoDevelopment, picks: person.picks, errors: person.errors }));
    await api.model.refresh(); // Promote to Staging takes what development holds as the tree last saw it
    api.useInteraction(new ScriptedInteraction({ confirm: true }));
    assert.equal(((await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome).status, 'succeeded');
    await api.model.refresh();
    // The attestation follows "done" (beside the registry record): the tooltip says so once it landed.
    const tooltipOnce = async (index: number, digest: string, wanted: RegExp): Promise<string> => {
      let tooltip = '';
      await waitFor(async () => wanted.test((tooltip = await tooltipOf(index, digest))), 10_000);
      return tooltip;
    };
    assert.match(await tooltipOnce(1, next.digest, /Signed, promoted through development → staging/), /Signed, promoted through development → staging/);
    assert.match(await tooltipOnce(0, next.digest, /Signed, promoted through development(?! →)/), /Signed, promoted through development(?! →)/);
    // The row says it too, not only the tooltip.
    assert.match(await descriptionOf(1, /(^| · )signed$/), /(^| · )signed$/);
    assert.match(await descriptionOf(0, /(^| · )signed$/), /(^| · )signed$/);
  });

  it('Approve Build for Environment… signs with the user-level signing key; a gate listing public keys counts only the signed approval, and the row says so', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a5191ed');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyFile = join(dir, 'approver.key');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // The public key sits in the workspace folder, where the config names it.
    const keysDir = join(configUri().fsPath, '..', `keys-${repo.split('/')[1]}`);
    mkdirSync(keysDir);
    try {
      writeFileSync(join(keysDir, 'approver.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
      const relative = `${basename(keysDir)}/approver.pub`;
      await writeConfig(
        api,
        promotionYaml(`${svc.registry}/${repo}`, [
          { name: 'development', tag: 'dev' },
          { name: 'staging', gates: [`{ type: approval, name: signed off, from: [${relative}] }`] },
        ]),
      );
      await api.model.refresh();
      const row = () => api.model.snapshot!.environments[1]!;
      const node = () => ({ kind: 'environment' as const, row: row(), builds: api.model.snapshot!.builds });
      const description = async () => String((await api.trees.environments.getTreeItem(node())).description);
      const approve = async (): Promise<string> => {
        api.useInteraction(new ScriptedInteraction({ pick: [buildLabel({ tag: 'a5191ed' }, build.digest)] }));
        return (await vscode.commands.executeCommand('imagePromotion.approveBuild', node())) as string;
      };
      assert.match(await description(), /0 of 1 approvals for sha256:\w{12}$/);

      const unsigned = await approve();
      assert.match(unsigned, /Note: it is not signed, and signed off counts only approvals signed by a listed key/);
      assert.match(await description(), /0 of 1 approvals for sha256:\w{12}$/, 'the unsigned approval does not count');

      await setting(keyFile);
      const signed = await approve();
      assert.match(signed, /approved sha256:\w{12} for staging, signed with key [0-9a-f]{12} /);
      assert.doesNotMatch(signed, /Note:/);
      assert.equal(row().approvals?.gates[0]?.have, 1);
      const approver = row().approvals!.gates[0]!.approvers[0]!;
      assert.ok(approver.endsWith(` (${relative})`), approver);
      assert.doesNotMatch(await description(), /approvals/, 'all approvals given: the row no longer asks for one');
    } finally {
      rmSync(keysDir, { recursive: true, force: true });
    }
  });

  it('Export Admission Policy… opens the Kyverno and policy-controller documents the CLI prints; a file with no public key or a non-P-256 key is a clear error', async () => {
    const repo = uniqueRepo();
    await writeConfig(
      api,
      promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production', protected: true }]),
    );
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pubFile = join(dir, 'policy.pub');
    const keyFile = join(dir, 'policy.key');
    writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const rsaPubFile = join(dir, 'rsa.pub');
    writeFileSync(rsaPubFile, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));

    for (const [label, kind] of [
      ['Kyverno', 'kyverno'],
      ['Sigstore policy-controller', 'sigstore'],
    ] as const) {
      const ui = new ScriptedInteraction({ pick: ['production', label], file: [pubFile] });
      api.useInteraction(ui);
      const document = (await vscode.commands.executeCommand('imagePromotion.exportAdmissionPolicy')) as vscode.TextDocument | undefined;
      assert.deepEqual(ui.errors, []);
      assert.ok(document, `${label}: a document was opened`);
      assert.equal(document.languageId, 'yaml');
      assert.equal(vscode.window.activeTextEditor?.document, document, `${label}: the document is shown`);
      const printed = await cli(['policy', kind, '--environment', 'production', '--key', pubFile], svc.clientEnv(process.env));
      assert.equal(printed.code, 0, printed.stderr);
      assert.equal(document.getText().trimEnd(), printed.stdout.trimEnd(), `${label}: the editor's document is what the CLI prints`);
      assert.match(document.getText(), kind === 'kyverno' ? /kind: ClusterPolicy/ : /kind: ClusterImagePolicy/);
      // What the CLI says on stderr (Kyverno: the environments sharing the repository), the editor says as notes.
      assert.deepEqual(
        ui.notes.map((n) => `Note: ${n}`),
        printed.stderr.split('\n').filter((l) => l.startsWith('Note: ')),
      );
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }

    for (const [file, expected] of [
      [keyFile, /policy\.key holds no -----BEGIN PUBLIC KEY----- block \(an SPKI public key, as cosign\.pub\)/],
      [rsaPubFile, /rsa\.pub holds an? RSA key; .*ECDSA P-256/],
      [join(dir, 'missing.pub'), /the key file \S*missing\.pub cannot be read \(ENOENT\)/],
    ] as const) {
      const before = vscode.workspace.textDocuments.length;
      const ui = new ScriptedInteraction({ pick: ['production', 'Kyverno'], file: [file] });
      api.useInteraction(ui);
      assert.equal(await vscode.commands.executeCommand('imagePromotion.exportAdmissionPolicy'), undefined);
      assert.equal(ui.errors.length, 1, JSON.stringify(ui.errors));
      assert.match(ui.errors[0]!.message, expected);
      const keyBody = (privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).split('\n')[1]!;
      assert.ok(!ui.errors[0]!.message.includes(keyBody.slice(0, 24)), 'no key material in the message');
      assert.equal(vscode.workspace.textDocuments.length, before, 'no document opened');
      const printed = await cli(['policy', 'kyverno', '--environment', 'production', '--key', file], svc.clientEnv(process.env));
      assert.equal(printed.code, 2, 'the CLI refuses the same key with exit code 2');
      assert.equal(printed.stdout, '');
    }

    // Escaping the file dialog is no error: nothing opens.
    const escaped = new ScriptedInteraction({ pick: ['production', 'Kyverno'] });
    api.useInteraction(escaped);
    assert.equal(await vscode.commands.executeCommand('imagePromotion.exportAdmissionPolicy'), undefined);
    assert.deepEqual(escaped.errors, []);
    assert.equal(escaped.files.length, 1);
  });
});
