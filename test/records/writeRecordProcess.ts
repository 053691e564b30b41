// Another process (a CI job, a colleague's editor) recording a promotion in the registry: writes one
// record with the real RegistryRecords and prints its id. Usage: node writeRecordProcess.js <json>
// with { registry, path, digest, environment, tag, previousDigest, finishedAt }.
import { silentLogger } from '../../src/core/log';
import { anonymous } from '../../src/credentials/credentials';
import { recordFromOutcome } from '../../src/history/record';
import { RegistryRecords } from '../../src/records/registryRecords';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';

interface Args {
  registry: string;
  path: string;
  digest: string;
  environment: string;
  tag: string;
  previousDigest: string | null;
  finishedAt: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const repository = `${args.registry}/${args.path}`;
  const record = recordFromOutcome(
    {
      status: 'succeeded',
      message: `promoted to ${args.environment}`,
      digest: args.digest,
      previousDigest: args.previousDigest,
      finalDigest: args.digest,
      gates: [],
      durationMs: 1200,
      transport: 'registry',
    },
    { source: { label: 'build', repository }, target: { environment: args.environment, tag: args.tag, repository } },
    { name: 'CI', user: 'runner' },
    args.finishedAt,
  );
  const records = new RegistryRecords({ registry: new HttpRegistryClient({ credentials: anonymous, log: silentLogger }), log: silentLogger });
  const path = await records.write({ registry: args.registry, path: args.path }, args.digest, record);
  process.stdout.write(JSON.stringify({ id: record.id, path }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
