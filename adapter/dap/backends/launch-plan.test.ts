// The two branches of planLaunch that start nothing (the layer branch starts a real debuggee and
// is covered by adapter/dap/test/target.int.test.ts).
import { describe, expect, it } from 'vitest';
import type { BackendContext } from './backend.js';
import { planLaunch, type LaunchChoice } from './launch-plan.js';

const ctxWith = (config: Record<string, unknown>, layerActive: boolean): BackendContext =>
  ({ config, layer: { active: layerActive } }) as unknown as BackendContext; // planLaunch reads only these two

const choice: LaunchChoice = {
  program: '/w/app',
  layerArgv: () => { throw new Error('must not start anything'); },
  attachArgs: (pid) => ({ pid }),
  launchArgs: () => ({ launched: true }),
};

describe('planLaunch', () => {
  it('attaches to the given processId, also when a layer is active', async () => {
    expect(await planLaunch(ctxWith({ request: 'attach', processId: 42 }, true), choice)).toEqual({ launch: { command: 'attach', args: { pid: 42 } }, owned: [] });
  });

  it('launches without an active layer, and with a layer but no program', async () => {
    expect(await planLaunch(ctxWith({ request: 'launch' }, false), choice)).toEqual({ launch: { command: 'launch', args: { launched: true } }, owned: [] });
    expect(await planLaunch(ctxWith({ request: 'launch' }, true), { ...choice, program: undefined })).toEqual({ launch: { command: 'launch', args: { launched: true } }, owned: [] });
  });
});
