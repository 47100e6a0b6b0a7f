import assert from 'node:assert/strict';
import { accountStatusAfter } from '../src';

describe('accountStatusAfter (how every service folds AccountStatusChanged)', () => {
  it('applies a change to an account in the status it names, and any change that names none or another', () => {
    assert.equal(accountStatusAfter('ACTIVE', { status: 'BLOCKED', previousStatus: 'ACTIVE' }), 'BLOCKED');
    assert.equal(accountStatusAfter('BLOCKED', { status: 'ACTIVE', previousStatus: 'BLOCKED' }), 'ACTIVE');
    assert.equal(accountStatusAfter('ACTIVE', { status: 'CLOSED', previousStatus: 'BLOCKED' }), 'CLOSED', 'a close applies whatever it believed');
    assert.equal(accountStatusAfter('CLOSED', { status: 'BLOCKED', previousStatus: 'CLOSED' }), 'BLOCKED', 'a person may block a closed account on purpose');
    assert.equal(accountStatusAfter('CLOSED', { status: 'BLOCKED', previousStatus: null }), 'BLOCKED');
  });

  it('ignores a stale block: one asked of an active account that has been closed or blocked since (a collection letter\'s, stamped at the end of its day)', () => {
    assert.equal(accountStatusAfter('CLOSED', { status: 'BLOCKED', previousStatus: 'ACTIVE' }), 'CLOSED');
    assert.equal(accountStatusAfter('BLOCKED', { status: 'BLOCKED', previousStatus: 'ACTIVE' }), 'BLOCKED');
  });
});
