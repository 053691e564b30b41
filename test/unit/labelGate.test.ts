// Label gates: labels from GateContext.image, revisions against a real git repository.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnvironmentConfig, LabelGateConfig } from '../../src/config/types';
import { isCancelled } from '../../src/core/errors';
import { silentLogger } from '../../src/core/log';
import { parseRepository } from '../../src/core/reference';
import type { GateContext } from '../../src/gates/gate';
import { runLabelGate } from '../../src/gates/labelGate';
import { REVISION_LABEL, type ImageDetails } from '../../src/images/imageDetails';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const target: EnvironmentConfig = {
  name: 'production',
  tag: 'production',
  image: 'registry.example.com/app',
  repository: parseRepository('registry.example.com/app'),
  protected: false,
  gates: [],
};

function gate(labels: Record<string, string>, revision = false): LabelGateConfig {
  return { type: 'label', name: 'labels', labels, revision };
}

function image(labels: Record<string, string>): ImageDetails {
  return {
    digest: DIGEST,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    isIndex: false,
    platforms: ['linux/amd64'],
    labels,
    ...(labels[REVISION_LABEL] ? { revision: labels[REVISION_LABEL] } : {}),
  };
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();
}

describe('label gates', () => {
  let repo: string;
  let plain: string;
  let commit: string;

  before(() => {
    repo = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-label-repo-'));
    plain = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-label-plain-'));
    git(repo, 'init', '-q');
    writeFileSync(path.join(repo, 'README'), 'hello\n');
    git(repo, 'add', 'README');
    git(repo, 'commit', '-q', '-m', 'first');
    commit = git(repo, 'rev-parse', 'HEAD');
  });
  after(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(plain, { recursive: true, force: true });
  });

  const ctx = (labels: Record<string, string>, extra: Partial<GateContext> = {}): GateContext => ({
    sourceDigest: DIGEST,
    sourceImage: 'registry.example.com/app',
    target,
    workspaceDir: repo,
    trusted: true,
    log: silentLogger,
    image: async () => image(labels),
    ...extra,
  });

  describe('required labels', () => {
    it('passes when every label is present and matches its pattern', async () => {
      const result = await runLabelGate(
        gate({ [REVISION_LABEL]: '^[0-9a-f]{40}$', 'org.opencontainers.image.source': '' }),
        ctx({ [REVISION_LABEL]: 'a'.repeat(40), 'org.opencontainers.image.source': 'https://example.com/app' }),
      );
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(result.reason, 'all 2 required labels are present and as required');
    });

    it('fails listing every missing or mismatched label', async () => {
      const result = await runLabelGate(
        gate({ [REVISION_LABEL]: '^[0-9a-f]{40}$', 'org.opencontainers.image.version': '^\\d+\\.\\d+\\.\\d+$', 'org.opencontainers.image.source': '' }),
        ctx({ [REVISION_LABEL]: 'main', 'org.opencontainers.image.source': 'https://example.com/app' }),
      );
      assert.equal(result.status, 'failed');
      assert.equal(
        result.reason,
        `2 of 3 required labels are wrong: label ${REVISION_LABEL} is "main", which does not match /^[0-9a-f]{40}$/; missing label org.opencontainers.image.version`,
      );
      assert.deepEqual(result.details, [
        `label ${REVISION_LABEL} is "main", which does not match /^[0-9a-f]{40}$/`,
        'missing label org.opencontainers.image.version',
      ]);
    });

    it('says a single problem alone', async () => {
      const result = await runLabelGate(gate({ 'org.opencontainers.image.source': '' }), ctx({}));
      assert.equal(result.status, 'failed');
      assert.equal(result.reason, 'missing label org.opencontainers.image.source');
    });

    it('is an error when the image cannot be described', async () => {
      const result = await runLabelGate(gate({ a: '' }), ctx({}, { image: async () => Promise.reject(new Error('registry.example.com answered 503')) }));
      assert.equal(result.status, 'error');
      assert.match(result.reason, /cannot read the image's labels: registry\.example\.com answered 503/);
    });

    it('is an error when the context has no image details', async () => {
      const { image: _none, ...noImage } = ctx({});
      const result = await runLabelGate(gate({ a: '' }), noImage);
      assert.equal(result.status, 'error');
    });

    it('is cancelled while waiting for the image', async () => {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 50);
      const slow = (): Promise<ImageDetails> => new Promise((resolve) => setTimeout(() => resolve(image({})), 5000).unref());
      await assert.rejects(runLabelGate(gate({ a: '' }), ctx({}, { image: slow, signal: abort.signal })), (e: unknown) => isCancelled(e));
    });
  });

  describe('revision in git', () => {
    it('passes when the labelled commit is in the workspace repository', async () => {
      const result = await runLabelGate(gate({}, true), ctx({ [REVISION_LABEL]: commit }));
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(result.reason, `commit ${commit} exists in the workspace's git history`);
    });

    it('accepts an abbreviated and an upper-case SHA', async () => {
      assert.equal((await runLabelGate(gate({}, true), ctx({ [REVISION_LABEL]: commit.slice(0, 7) }))).status, 'passed');
      assert.equal((await runLabelGate(gate({}, true), ctx({ [REVISION_LABEL]: commit.toUpperCase() }))).status, 'passed');
    });

    it('checks labels and revision together', async () => {
      const result = await runLabelGate(gate({ [REVISION_LABEL]: '^[0-9a-f]{40}$' }, true), ctx({ [REVISION_LABEL]: commit }));
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(result.reason, `label ${REVISION_LABEL} is present and as required; commit ${commit} exists in the workspace's git history`);
    });

    it('fails for a commit the repository does not have, saying to fetch', async () => {
      const unknown = '0123456789abcdef0123456789abcdef01234567';
      const result = await runLabelGate(gate({}, true), ctx({ [REVISION_LABEL]: unknown }));
      assert.equal(result.status, 'failed');
      assert.match(
        result.reason,
        new RegExp(`commit ${unknown} \\(the image's ${REVISION_LABEL.replace(/\./g, '\\.')}\\) is not in the workspace's git history; run git fetch`),
      );
    });

    it('fails for a SHA of an object that is not a commit', async () => {
      const blob = git(repo, 'rev-parse', 'HEAD:README');
      const result = await runLabelGate(gate({}, true), ctx({ [REVISION_LABEL]: blob }));
      assert.equal(result.status, 'failed');
    });

    it('never passes a label that is not hex to git', async () => {
      const marker = path.join(plain, 'pwned');
      for (const label of [`HEAD`, `--output=${marker}`, `${commit}; touch ${marker}`, 'main']) {
        const result = await runLabelGate(gate({}, true), ctx({ [REVISION_LABEL]: label }));
        assert.equal(result.status, 'failed', label);
        assert.match(result.reason, /which is not a commit SHA/);
      }
      assert.equal(existsSync(marker), false);
    });

    it('fails when the image has no revision label', async () => {
      const result = await runLabelGate(gate({}, true), ctx({}));
      assert.equal(result.status, 'failed');
      assert.match(result.reason, new RegExp(`has no ${REVISION_LABEL.replace(/\./g, '\\.')} label naming its commit; build it with --label`));
    });

    it('is an error, saying so, when the workspace is not a git repository', async () => {
      const result = await runLabelGate(gate({}, true), ctx({ [REVISION_LABEL]: commit }, { workspaceDir: plain }));
      assert.equal(result.status, 'error');
      assert.match(result.reason, /the workspace folder is not a git repository/);
    });

    it('is an error without a workspace folder', async () => {
      const result = await runLabelGate(gate({}, true), ctx({ [REVISION_LABEL]: commit }, { workspaceDir: undefined }));
      assert.equal(result.status, 'error');
      assert.match(result.reason, /no workspace folder/);
    });
  });
});
