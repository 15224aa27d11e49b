/**
 * HAProxy in front of the replicas, as a production load balancer would be: round robin, each
 * replica health-checked on /health/ready every 500 ms (2 failures take it out, 2 successes put
 * it back), a refused connection retried on the other replica (`retry-on conn-failure` with
 * `option redispatch`) but never a request that reached a replica. `http-server-close` opens a
 * fresh connection to a replica per request, so no request is ever sent on an idle connection a
 * draining replica is closing. Runs in the foreground (`-db`) as a child of the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/redis-server.ts';
import { waitFor } from '../../support/wait-for.ts';

export const HAPROXY_BIN = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

/** The health-check settings; a replica is out after `fall` × `interMs` of 503s (1 s). */
export const HEALTH_CHECK = { interMs: 500, fall: 2, rise: 2 } as const;

export interface HaproxyServer {
  name: string;
  port: number;
}

export interface Haproxy {
  /** The frontend clients talk to. */
  url: string;
  port: number;
  /** Each backend server's status as HAProxy sees it now: UP, DOWN, `UP 1/2`, `DOWN 1/2`, MAINT… */
  serverStatus(): Promise<Record<string, string>>;
  /** Resolves once every named server is UP (by HAProxy's checks). */
  waitUp(names: readonly string[], timeoutMs?: number): Promise<void>;
  stderr: string[];
  stop(): Promise<void>;
}

export function haproxyConfig(options: { frontendPort: number; statsPort: number; servers: readonly HaproxyServer[] }): string {
  const { interMs, fall, rise } = HEALTH_CHECK;
  return `global
  maxconn 8192

defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 30s
  timeout check 1s
  # A refused connection (a stopped replica) is retried on the other one; a request that
  # reached a replica is never retried.
  retries 3
  retry-on conn-failure
  option redispatch
  option http-server-close

frontend levee
  bind 127.0.0.1:${options.frontendPort}
  maxconn 8000
  default_backend replicas

backend replicas
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  default-server inter ${interMs}ms fastinter ${interMs}ms downinter ${interMs}ms fall ${fall} rise ${rise}
${options.servers.map((server) => `  server ${server.name} 127.0.0.1:${server.port} check`).join('\n')}

listen stats
  bind 127.0.0.1:${options.statsPort}
  stats enable
  stats uri /stats
`;
}

export async function startHaproxy(servers: readonly HaproxyServer[]): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'levee-chaos-haproxy-'));
  // Another process may take a port between freePort and bind: try a few pairs.
  for (let attempt = 1; ; attempt++) {
    const [frontendPort, statsPort] = [await freePort(), await freePort()];
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, haproxyConfig({ frontendPort, statsPort, servers }));
    try {
      return await run(file, dir, frontendPort, statsPort);
    } catch (error) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

async function run(file: string, dir: string, port: number, statsPort: number): Promise<Haproxy> {
  const child: ChildProcess = spawn(HAPROXY_BIN, ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));
  const exited = once(child, 'exit');
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const stop = async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const serverStatus = async (): Promise<Record<string, string>> => {
    const response = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`, { signal: AbortSignal.timeout(2_000) });
    const [header, ...rows] = (await response.text()).split('\n');
    const columns = (header ?? '').replace(/^# /, '').split(',');
    const [pxname, svname, status] = ['pxname', 'svname', 'status'].map((name) => columns.indexOf(name));
    const result: Record<string, string> = {};
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[pxname!] === 'replicas' && cells[svname!] !== 'BACKEND') result[cells[svname!]!] = cells[status!]!;
    }
    return result;
  };
  const haproxy: Haproxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    serverStatus,
    async waitUp(names, timeoutMs = 15_000) {
      await waitFor(
        async () => {
          const statuses = await serverStatus().catch(() => ({}) as Record<string, string>);
          return names.every((name) => statuses[name] === 'UP') ? true : undefined;
        },
        { timeoutMs, intervalMs: 100, failFast: exited, what: () => `HAProxy to see ${names.join(', ')} UP\n${stderr.join('\n')}` },
      );
    },
    stderr,
    stop,
  };
  try {
    await waitFor(() => serverStatus().then(() => true, () => undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
      failFast: exited,
      what: () => `HAProxy to listen\n${stderr.join('\n')}`,
    });
    return haproxy;
  } catch (error) {
    await kill();
    throw new Error(`HAProxy did not start: ${String(error)}`);
  }
}
