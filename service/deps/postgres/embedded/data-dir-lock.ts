/**
 * An exclusive lock on the embedded Postgres's data directory: a file inside it, created with
 * `wx` (fails if it exists), holding the owner's pid on its first line and, on Linux, the owner's
 * start time on its second. PGlite itself takes no lock, and two PGlites writing one directory
 * corrupt it, so whoever opens the directory takes this first: Levee at boot (and passes it on to
 * its child server), or the standalone server (`npm run db`).
 *
 * A lock whose owner is gone (SIGKILL, a crash, a container restart) is stale and is taken over,
 * so nobody has to clean up by hand after a crash.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file's name inside the data directory. */
export const LOCK_FILE_NAME = 'pglite.lock';

/** The data directory is held by a live process. */
export class DataDirInUseError extends Error {
  readonly dataDir: string;
  readonly holderPid: number;

  constructor(dataDir: string, holderPid: number) {
    super(
      `embedded postgres: data directory ${dataDir} is in use by another process (pid ${holderPid}); ` +
        'give each Levee its own DATA_DIR, or run several against one shared Postgres with DATABASE_URL',
    );
    this.name = 'DataDirInUseError';
    this.dataDir = dataDir;
    this.holderPid = holderPid;
  }
}

export interface DataDirLock {
  /** The lock file's path. */
  readonly path: string;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

/** Who holds a lock, as its file says. */
export interface LockHolder {
  pid: number;
  /** Kernel start time of the process (/proc/<pid>/stat field 22); absent off Linux. */
  startTime: string | undefined;
}

/** How many times a stale lock is taken over before giving up (other processes racing for it). */
const MAX_ATTEMPTS = 3;

/**
 * Takes the lock on `dataDir` (which must exist) for this process.
 * @throws DataDirInUseError when a live process holds it.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE_NAME);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n${processStartTime(process.pid) ?? ''}\n`);
      } finally {
        closeSync(fd);
      }
      return { path, release: () => releaseIfOurs(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLockHolder(dataDir);
    if (holder !== undefined && isLive(holder)) throw new DataDirInUseError(dataDir, holder.pid);
    // Stale, or empty (its owner died between creating and writing it). Two processes taking over
    // one stale lock in the same microseconds could both win; on a development default, with the
    // `wx` above re-checking every other case, that is a window we accept.
    removeIfExists(path);
  }
  throw new DataDirInUseError(dataDir, readLockHolder(dataDir)?.pid ?? 0);
}

/** The holder named in `dataDir`'s lock file, or undefined when there is none (or it is unreadable). */
export function readLockHolder(dataDir: string): LockHolder | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, startTime: lines[1] || undefined };
}

/**
 * Whether the lock's holder still runs. Pids are reused, in containers especially (a restarted
 * container hands out the same small pids), so where the kernel tells us, the process with that
 * pid must also have the start time the lock recorded.
 */
function isLive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const startTime = processStartTime(holder.pid);
  return holder.startTime === undefined || startTime === undefined || startTime === holder.startTime;
}

/** Field 22 of /proc/<pid>/stat (clock ticks after boot), read after the `)` closing the command name. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function releaseIfOurs(path: string): void {
  try {
    if (Number.parseInt(readFileSync(path, 'utf8'), 10) !== process.pid) return;
  } catch {
    return;
  }
  removeIfExists(path);
}

function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
