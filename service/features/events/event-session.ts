/**
 * One client's event connection, whatever carries it: the messages it may send (subscribe to its
 * own batches and imports, or to all of its jobs; unsubscribe; ping) and what it is sent back
 * (`batch.updated` / `import.updated` with the object GET answers, `subscribed`, `pong`, `error`).
 * Jobs are the client's own only: another client's id is answered like one that does not exist.
 */
import { z } from 'zod';
import type { JobListener, JobObject, JobWatch } from './job-watch.ts';

/** Jobs one connection may follow by id. */
const MAX_FOLLOWED = 100;
const JOB_ID = z.string().regex(/^(batch|imp)_[A-Za-z0-9]{1,64}$/, { error: 'must be a batch id (batch_…) or an import id (imp_…)' });

const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), jobs: z.array(JOB_ID).min(1).max(MAX_FOLLOWED).optional(), all: z.literal(true).optional() }),
  z.strictObject({ type: z.literal('unsubscribe'), jobs: z.array(JOB_ID).min(1).max(MAX_FOLLOWED).optional(), all: z.literal(true).optional() }),
  z.strictObject({ type: z.literal('ping') }),
]);

export type ServerMessage = { type: string } & Record<string, unknown>;

export interface EventSessionOptions {
  watch: JobWatch;
  /** Reads one of the owner's jobs (undefined: none such, or another client's). */
  read: (owner: string, id: string, signal: AbortSignal) => Promise<JobObject | undefined>;
  owner: string;
  send: (message: ServerMessage) => void;
}

/** The update message for a job: `batch.updated` with `batch`, or `import.updated` with `import`. */
function jobUpdate(job: JobObject): ServerMessage {
  return job.id.startsWith('imp_') ? { type: 'import.updated', import: job } : { type: 'batch.updated', batch: job };
}

export class EventSession {
  readonly #options: EventSessionOptions;
  readonly #followed = new Map<string, () => void>();
  readonly #listener: JobListener;
  #all: (() => void) | undefined;

  constructor(options: EventSessionOptions) {
    this.#options = options;
    this.#listener = (job) => options.send(jobUpdate(job));
  }

  async receive(raw: unknown): Promise<void> {
    const parsed = clientMessage.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join('.') || null;
      return this.#error('invalid_message', `${param ?? 'message'}: ${issue?.message ?? 'invalid'}. Send {"type":"subscribe","jobs":[…]} or {"type":"subscribe","all":true}, unsubscribe likewise, or {"type":"ping"}.`, param);
    }
    const message = parsed.data;
    if (message.type === 'ping') return this.#options.send({ type: 'pong' });
    if (message.jobs === undefined && message.all === undefined) return this.#error('invalid_message', 'Name the jobs ("jobs": […]) or all of them ("all": true).', 'jobs');
    if (message.type === 'unsubscribe') return this.#unsubscribe(message.jobs, message.all);
    if (message.all) {
      this.#all ??= this.#options.watch.followAll(this.#options.owner, this.#listener);
      this.#options.send({ type: 'subscribed', all: true });
    }
    if (message.jobs) await this.#subscribe(message.jobs);
  }

  /** The connection is gone: nothing is followed for it any more. */
  close(): void {
    for (const unfollow of this.#followed.values()) unfollow();
    this.#followed.clear();
    this.#all?.();
    this.#all = undefined;
  }

  async #subscribe(ids: readonly string[]): Promise<void> {
    const { owner, read, watch } = this.#options;
    const fresh = [...new Set(ids)].filter((id) => !this.#followed.has(id));
    if (this.#followed.size + fresh.length > MAX_FOLLOWED) return this.#error('too_many_subscriptions', `A connection follows at most ${MAX_FOLLOWED} jobs by id; unsubscribe some, or subscribe to all.`, 'jobs');
    const found: string[] = [];
    for (const id of fresh) {
      // Another client's job, or none: the same answer, so ids cannot be probed.
      if (!(await read(owner, id, AbortSignal.timeout(5_000)).catch(() => undefined))) {
        this.#error('not_found', `No such job: ${id}`, 'jobs');
        continue;
      }
      found.push(id);
    }
    if (found.length > 0) this.#options.send({ type: 'subscribed', jobs: found });
    for (const id of found) this.#followed.set(id, watch.follow(owner, id, this.#listener));
  }

  #unsubscribe(ids: readonly string[] | undefined, all: boolean | undefined): void {
    for (const id of ids ?? []) {
      this.#followed.get(id)?.();
      this.#followed.delete(id);
    }
    if (all) {
      this.#all?.();
      this.#all = undefined;
    }
    this.#options.send({ type: 'unsubscribed', ...(ids ? { jobs: ids } : {}), ...(all ? { all: true } : {}) });
  }

  #error(code: string, message: string, param: string | null): void {
    this.#options.send({ type: 'error', error: { code, message, param } });
  }
}
