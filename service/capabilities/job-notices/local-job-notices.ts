/** Job notices within one process: what a single replica (or a test) needs. */
import { EventEmitter } from 'node:events';
import type { JobNotices } from './job-notices.ts';

export class LocalJobNotices implements JobNotices {
  readonly #events = new EventEmitter().setMaxListeners(0);

  publish(jobId: string): void {
    this.#events.emit('job', jobId);
  }

  subscribe(listener: (jobId: string) => void): void {
    this.#events.on('job', listener);
  }
}
