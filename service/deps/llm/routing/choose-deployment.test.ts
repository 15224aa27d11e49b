import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseDeployment, effectiveWeights } from './choose-deployment.ts';
import type { Deployment } from './deployment.ts';

/** Just what the chooser reads. */
const deployment = (weight: number, health = 1, latencyMs?: number) => ({ weight, health: () => health, latencyMs }) as unknown as Deployment;

describe('chooseDeployment', () => {
  it('picks in proportion to the configured weights when health weighting is off', () => {
    const heavy = deployment(9, 0.01, 1_000);
    const light = deployment(1);
    assert.deepEqual(effectiveWeights([heavy, light], false), [9, 1]);
    assert.equal(chooseDeployment([heavy, light], { healthWeighting: false, random: () => 0.89 }), heavy);
    assert.equal(chooseDeployment([heavy, light], { healthWeighting: false, random: () => 0.91 }), light);
  });

  it('weights by health and by speed relative to the fastest candidate', () => {
    // Speed compares latencies with 20 ms of slack on each: (100 + 20) / (220 + 20) = 0.5.
    const slowSick = deployment(1, 0.5, 220);
    const fastWell = deployment(1, 1, 100);
    assert.deepEqual(effectiveWeights([slowSick, fastWell], true), [0.25, 1]);
    assert.equal(chooseDeployment([slowSick, fastWell], { healthWeighting: true, random: () => 0.19 }), slowSick);
    assert.equal(chooseDeployment([slowSick, fastWell], { healthWeighting: true, random: () => 0.21 }), fastWell);
  });

  it('does not move traffic over a few milliseconds between two fast deployments', () => {
    const [one, two] = effectiveWeights([deployment(1, 1, 1), deployment(1, 1, 4)], true);
    assert.ok(two! / one! > 0.85, `${two} against ${one}`);
  });

  it('answers the only candidate, or none', () => {
    const only = deployment(1);
    assert.equal(chooseDeployment([only], { healthWeighting: true }), only);
    assert.equal(chooseDeployment([], { healthWeighting: true }), undefined);
  });
});
