/**
 * A real redis-server on a free loopback port, owned by the test so it can kill it (SIGKILL, as a
 * crash) and start it again on the same port. Nothing is persisted: a restart is an empty Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { freePort } from '../../stack/free-port.ts';
import { waitFor } from './wait-for.ts';

export { freePort };

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** Starts again on the same port (after kill). */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers, the worst case for callers. */
  pause(): void;
  /** SIGCONT after pause. */
  resume(): void;
  stop(): Promise<void>;
}

function acceptsConnections(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG') ? true : undefined);
    });
    socket.once('error', () => resolve(undefined));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = once(child, 'exit');
    await waitFor(() => acceptsConnections(port), { timeoutMs: 10_000, failFast: exited, what: () => `redis-server on ${port}` });
  };
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  const stop = async () => {
    child?.kill('SIGCONT');
    await kill();
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    stop,
  };
}
