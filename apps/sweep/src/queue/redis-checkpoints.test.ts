import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import type { Checkpoint } from '../checkpoint.js';
import { checkpointKeys, decodeCheckpoint, encodeCheckpoint } from './redis-checkpoints.js';

const checkpoint: Checkpoint = {
  epoch: 2,
  history: {
    loss: [1, 0.5],
    accuracy: [0.5, 0.8],
    val_loss: [0.9, 0.6],
    val_accuracy: [0.6, 0.7],
    seconds: [1, 1],
    workers: [1, 1],
  },
  weights: [{ name: 'dense/kernel', shape: [2, 2], values: new Float32Array([0.1, -0.2, 0.3, 1e-8]) }],
  optimizer: { className: 'Adam', iterations: 20, slots: { 'dense/kernel': { m: new Float32Array([1, 2, 3, 4]) } } },
};

describe('checkpoints in Redis (msgpackr)', () => {
  it('round-trips weights and optimizer slots bit for bit, as Float32Arrays', () => {
    const back = decodeCheckpoint(encodeCheckpoint(checkpoint), 'k');
    expect(back.weights[0]!.values).toBeInstanceOf(Float32Array);
    expect(back.optimizer!.slots['dense/kernel']!.m).toBeInstanceOf(Float32Array);
    expect(back).toEqual({ ...checkpoint, version: 1 });
  });

  it('copies the arrays when encoding: training may change them right after', () => {
    const values = new Float32Array([1, 2, 3, 4]);
    const bytes = encodeCheckpoint({ ...checkpoint, weights: [{ name: 'w', shape: [4], values }] });
    values.fill(9);
    expect([...decodeCheckpoint(bytes, 'k').weights[0]!.values]).toEqual([1, 2, 3, 4]);
  });

  it('refuses what is not a checkpoint, naming the key', () => {
    const packr = new Packr({ moreTypes: true, useRecords: false });
    expect(() => decodeCheckpoint(Buffer.from('garbage'), 'bull:q:j:checkpoint')).toThrow(/^bull:q:j:checkpoint: /);
    expect(() => decodeCheckpoint(packr.pack({ ...checkpoint, version: 1, epoch: 3 }), 'k')).toThrow(
      'k: expected history.loss with one number per epoch, but got [1, 0.5]',
    );
    expect(() =>
      decodeCheckpoint(
        packr.pack({ ...checkpoint, version: 1, weights: [{ name: 'w', shape: [1], values: [1] }] }),
        'k',
      ),
    ).toThrow('k: expected weights of {name, shape, Float32Array values}, but got "w"');
  });

  it("keeps the checkpoint beside BullMQ's job keys", () => {
    expect(checkpointKeys('bull', 'fnn-sweep', 'abc-wide')).toEqual({
      checkpoint: 'bull:fnn-sweep:abc-wide:checkpoint',
      lock: 'bull:fnn-sweep:abc-wide:lock',
    });
  });
});
