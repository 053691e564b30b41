// `node --expose-gc scaleChild.js [<registry host> <registry url> <count>]`: recorded promotions in a
// row in a process of its own, against the bench's services (IMGPROMO_TEST_* in the environment; else
// it starts its own, 100 promotions into its registry; "" for either of those two: its own); prints
// memory before and after as one JSON line.
import { sharedServices } from '../harness';
import { promotionsInARow } from './recordedCases';

async function main(): Promise<void> {
  const svc = await sharedServices();
  const [host, url, count] = process.argv.slice(2);
  const result = await promotionsInARow(
    svc,
    { host: host || svc.registry, url: url || svc.registryUrl, connections: () => undefined },
    url || svc.registryUrl,
    Number(count || 100),
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
