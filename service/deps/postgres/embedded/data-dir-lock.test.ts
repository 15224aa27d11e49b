import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { acquireDataDirLock, DataDirInUseError, LOCK_FILE_NAME, readLockHolder } from './data-dir-lock.ts';

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
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    writeFileSync(lockPath, `${pid}\n`);
    acquireDataDirLock(dir).release();
  });

  it('takes over a lock whose pid now belongs to another process (a restarted container)', () => {
    writeFileSync(lockPath, `${process.pid}\n1\n`);
    const lock = acquireDataDirLock(dir);
    assert.notEqual(readLockHolder(dir)?.startTime, '1');
    lock.release();
  });

  it('takes over an empty lock (its owner died before writing it)', () => {
    writeFileSync(lockPath, '');
    acquireDataDirLock(dir).release();
  });

  it('leaves a lock that is no longer ours in place', () => {
    const lock = acquireDataDirLock(dir);
    writeFileSync(lockPath, '1\n');
    lock.release();
    assert.equal(readFileSync(lockPath, 'utf8'), '1\n');
  });
});
