/** Starts Levee exactly as the README says (`npm start`) and probes it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnLevee } from './support/levee-process.ts';
import { waitFor } from './support/wait-for.ts';

describe('npm start', () => {
  it('serves /health/live on embedded defaults, on Node 24, and stops on SIGTERM', async () => {
    // npm runs the script in a shell of its own: start it as a process group so the signal reaches Levee.
    const levee = await spawnLevee({ command: { file: 'npm', args: ['start', '--silent'], detached: true } });
    try {
      const live = await fetch(`${levee.url}/health/live`);
      assert.equal(live.status, 200);
      assert.deepEqual(await live.json(), { status: 'ok' });
      assert.match(String(live.headers.get('x-request-id')), /^req_/);

      const ready = await fetch(`${levee.url}/health/ready`);
      assert.equal(ready.status, 200);

      const detailed = (await (await fetch(`${levee.url}/health/detailed`)).json()) as { process: { node_version: string } };
      assert.match(detailed.process.node_version, /^v24\./, 'npm start runs on the pinned Node 24');
    } finally {
      process.kill(-levee.child.pid!, 'SIGTERM');
    }
    // npm itself dies of the signal; Levee's own last line says how it ended.
    const done = await waitFor(() => levee.logs().find((line) => line.msg === 'shutdown: done'), { what: () => 'Levee to shut down' });
    assert.equal(done.exit_code, 0);
    await levee.exited;
  });
});
