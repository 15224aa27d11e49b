/**
 * Live notifications, the use case behind `/v1/events` and `/admin/events`: a client's session
 * (its own batches and imports, followed through JobWatch) and the operators' feed (breakers).
 * Transport-free: the edge hands in how to send, and the messages it receives.
 */
import type { JobNotices } from '../../capabilities/job-notices/job-notices.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { activeBatches, findBatch, type BatchesDeps } from '../batches/batches.ts';
import type { BreakerRegistry } from '../circuit-breakers/circuit-breakers.ts';
import { activeImports, findImport, type ImportsDeps } from '../imports/imports.ts';
import { startAdminFeed, type AdminFeed } from './admin-feed.ts';
import { EventSession, type ServerMessage } from './event-session.ts';
import { JobWatch, type JobObject, type JobReader } from './job-watch.ts';

export interface EventsDeps {
  batches: Pick<BatchesDeps, 'store'> | undefined;
  imports: Pick<ImportsDeps, 'store'> | undefined;
  notices: JobNotices;
  breakers: BreakerRegistry;
  pollIntervalMs: number;
  logger: Logger;
}

export class Events {
  readonly #watch: JobWatch;
  readonly #reader: JobReader;
  #admin: AdminFeed | undefined;
  readonly #deps: EventsDeps;

  constructor(deps: EventsDeps) {
    this.#deps = deps;
    const { batches, imports } = deps;
    this.#reader = {
      read: async (owner, id, signal) => {
        if (id.startsWith('batch_') && batches) return (await findBatch(batches, owner, id, signal)) as JobObject | undefined;
        if (id.startsWith('imp_') && imports) return (await findImport(imports, owner, id, signal)) as JobObject | undefined;
        return undefined;
      },
      active: async (owner, signal) => [
        ...((batches ? await activeBatches(batches, owner, signal) : []) as JobObject[]),
        ...((imports ? await activeImports(imports, owner, signal) : []) as JobObject[]),
      ],
    };
    this.#watch = new JobWatch({ reader: this.#reader, notices: deps.notices, pollIntervalMs: deps.pollIntervalMs, logger: deps.logger });
  }

  /** A client's session: `owner` is the key's name ('' when access is open). */
  openSession(owner: string, send: (message: ServerMessage) => void): EventSession {
    return new EventSession({ watch: this.#watch, read: this.#reader.read, owner, send });
  }

  /** Starts the operators' feed (once); answers its snapshot for a new operator connection. */
  adminFeed(broadcast: (message: ServerMessage) => void): AdminFeed {
    this.#admin ??= startAdminFeed(this.#deps.breakers, broadcast);
    return this.#admin;
  }

  close(): void {
    this.#watch.close();
    this.#admin?.close();
  }
}
