import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { acquireDataDirLock, DataDirInUseError, LOCK_FILE_NAME, readLockHolder } from './data-dir-lock.ts';

/**
 * A pid no process has, found without starting one: above the kernel's highest (Linux's
 * pid_max, which is never above 2^22), checked with signal 0 as the lock's own liveness test does.
 */
function deadPid(): number {
  let pidMax = 2 ** 22;
  try {
    pidMax = Number.parseInt(readFileSync('/proc/sys/kernel/pid_max', 'utf8'), 10);
  } catch {
    // Not Linux: 2^22 is above every pid other kernels hand out too.
  }
  const pid = pidMax + 1;
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `pid ${pid} should not be alive`);
  return pid;
}

describe('acquireDataDirLock', () => {
  let dir: string;
  let lockPath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'levee-lock-'));
    lockPath = join(dir, LOCK_FILE_NAME);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes our pid and start time, refuses a second taker, and removes the file on release', () => {
    const lock = acquireDataDirLock(dir);
    const holder = readLockHolder(dir);
    assert.equal(holder?.pid, process.pid);
    if (existsSync('/proc/self/stat')) assert.match(holder?.startTime ?? '', /^\d+$/);

    assert.throws(
      () => acquireDataDirLock(dir),
      (error: unknown) => error instanceof DataDirInUseError && error.holderPid === process.pid && error.message.includes(dir),
    );
    lock.release();
    lock.release();
    assert.equal(existsSync(lockPath), false);
  });

  it('takes over a lock whose process is gone', () => {
    writeFileSync(lockPath, `${deadPid()}\n`);
    const lock = acquireDataDirLock(dir);
    assert.equal(readLockHolder(dir)?.pid, process.pid, 'the lock names us now');
    lock.release();
    assert.equal(existsSync(lockPath), false, 'and release removes it');
  });

  it('takes over a lock whose pid now belongs to another process (a restarted container)', () => {
    writeFileSync(lockPath, `${process.pid}\n1\n`);
    const lock = acquireDataDirLock(dir);
    assert.notEqual(readLockHolder(dir)?.startTime, '1');
    lock.release();
  });

  it('takes over an empty lock (its owner died before writing it)', () => {
    writeFileSync(lockPath, '');
    const lock = acquireDataDirLock(dir);
    assert.equal(readLockHolder(dir)?.pid, process.pid, 'the lock names us now');
    lock.release();
    assert.equal(existsSync(lockPath), false, 'and release removes it');
  });

  it('leaves a lock that is no longer ours in place', () => {
    const lock = acquireDataDirLock(dir);
    writeFileSync(lockPath, '1\n');
    lock.release();
    assert.equal(readFileSync(lockPath, 'utf8'), '1\n');
  });
});
