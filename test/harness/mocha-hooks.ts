// Root hooks for running integration files on their own, outside test/run-all.mjs:
//   npx mocha --timeout 60000 --require out/test/harness/mocha-hooks.js out/test/integration/<file>.test.js
// Services a suite started (sharedServices() without IMGPROMO_TEST_* set, startRegistry, …) are then
// stopped in an orderly way after the last test, instead of by the process exit hook.
import { stopAllResources } from './cleanup';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60000);
    await stopAllResources();
  },
};
