import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionSigner } from './session-signer.ts';

const TTL_MS = 60_000;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function signerAt(clock: { now: number }, secret = 'admin-token-0123456789') {
  return new SessionSigner({ secret, ttlMs: TTL_MS, now: () => clock.now });
}

describe('console session signer', () => {
  it('issues <expiresAtMs>.<nonce>.<mac> that it verifies until the expiry, and not from then on', () => {
    const clock = { now: 1_000_000 };
    const signer = signerAt(clock);
    const session = signer.issue();
    const [expiresAt, nonce, mac] = session.split('.');
    assert.equal(Number(expiresAt), 1_000_000 + TTL_MS);
    assert.equal(Buffer.from(nonce!, 'base64url').length, 16);
    assert.equal(Buffer.from(mac!, 'base64url').length, 32);
    assert.equal(signer.verify(session), true);
    clock.now += TTL_MS - 1;
    assert.equal(signer.verify(session), true, 'valid up to its last millisecond');
    clock.now += 1;
    assert.equal(signer.verify(session), false, 'expired');
  });

  it('never issues the same value twice', () => {
    const signer = signerAt({ now: 0 });
    assert.notEqual(signer.issue(), signer.issue());
  });

  it('refuses a value another token signed: rotating ADMIN_TOKEN ends every session', () => {
    const clock = { now: 0 };
    assert.equal(signerAt(clock, 'another-token-0123456789').verify(signerAt(clock).issue()), false);
  });

  it('refuses tampering: a later expiry, another nonce, a changed mac, truncation, junk', () => {
    const clock = { now: 0 };
    const signer = signerAt(clock);
    const session = signer.issue();
    const [expiresAt, nonce, mac] = session.split('.') as [string, string, string];
    const flipped = (text: string) => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
    for (const forged of [
      `${Number(expiresAt) + 1}.${nonce}.${mac}`,
      `${expiresAt}.${flipped(nonce)}.${mac}`,
      `${expiresAt}.${nonce}.${flipped(mac)}`,
      // The same 32 bytes in base64url, spelled differently in the last character's spare bits.
      `${expiresAt}.${nonce}.${mac.slice(0, -1)}${BASE64URL[BASE64URL.indexOf(mac.at(-1)!) ^ 1]}`,
      `${expiresAt}.${nonce}`,
      `${expiresAt}.${nonce}.${mac}.x`,
      '',
      'x'.repeat(4096),
    ]) {
      assert.equal(signer.verify(forged), false, forged.slice(0, 80));
    }
    assert.equal(signer.verify(undefined), false);
  });
});
