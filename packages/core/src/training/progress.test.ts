import { describe, expect, it } from 'vitest';
import { ProgressBar, ProgressLogger, formatLogValue, formatTime } from './progress.js';
import type { TrainingParams } from './callbacks/callback.js';

/** A clock the test advances by hand (seconds). */
function clock() {
  let t = 100;
  return {
    now: () => t,
    advance: (s: number) => {
      t += s;
    },
  };
}

describe('progress (Keras Progbar format)', () => {
  it('formats values and times like Keras', () => {
    expect(formatLogValue(0.12034)).toBe('0.1203');
    expect(formatLogValue(0.9641)).toBe('0.9641');
    expect(formatLogValue(0.0004567)).toBe('4.5670e-04');
    expect(formatLogValue(Number.NaN)).toBe('nan');
    expect(formatTime(0.009, 'step')).toBe(' 9ms/step');
    expect(formatTime(4.2, 'epoch')).toBe(' 4s/epoch');
    expect(formatTime(0.00085, 'step')).toBe(' 850us/step');
  });

  it('verbose 1 on a terminal: redrawn bar with ETA, then the final line with time per step and validation', () => {
    const out: string[] = [];
    const c = clock();
    const bar = new ProgressBar(430, 1, { write: (s) => void out.push(s), isTTY: true, now: c.now });
    c.advance(1);
    bar.update(100, { loss: 0.5, accuracy: 0.8 });
    expect(out.pop()).toBe('\r100/430 [=====>........................] - ETA: 3s - loss: 0.5000 - accuracy: 0.8000');
    c.advance(0.01);
    bar.update(101, { loss: 0.5, accuracy: 0.8 }); // within 50 ms of the last redraw: skipped
    expect(out).toEqual([]);
    c.advance(2.86);
    bar.update(430, { loss: 0.1203, accuracy: 0.9641, val_loss: 0.0934, val_accuracy: 0.9712 }, true);
    expect(out.pop()).toBe(
      '\r430/430 [==============================] - 4s 9ms/step - loss: 0.1203 - accuracy: 0.9641 - val_loss: 0.0934 - val_accuracy: 0.9712\n',
    );
  });

  it('verbose 1 off a terminal prints only the final bar; verbose 2 one line per epoch', () => {
    const out: string[] = [];
    const c = clock();
    const bar = new ProgressBar(43, 1, { write: (s) => void out.push(s), isTTY: false, now: c.now });
    c.advance(1);
    bar.update(20, { loss: 1 });
    expect(out).toEqual([]);
    bar.update(43, { loss: 0.5 }, true);
    expect(out.pop()).toBe('43/43 [==============================] - 1s 23ms/step - loss: 0.5000\n');
    const two = new ProgressBar(430, 2, { write: (s) => void out.push(s), now: c.now });
    c.advance(4);
    two.update(430, { loss: 0.2913, accuracy: 0.9175, val_loss: 0.1457, val_accuracy: 0.9594 }, true);
    expect(out.pop()).toBe(
      '430/430 - 4s - loss: 0.2913 - accuracy: 0.9175 - val_loss: 0.1457 - val_accuracy: 0.9594 - 4s/epoch - 9ms/step\n',
    );
  });

  it('ProgressLogger prints "Epoch 3/25" before each epoch (not for a single epoch) and the epoch logs at its end', () => {
    const out: string[] = [];
    const c = clock();
    const logger = new ProgressLogger(2, { write: (s) => void out.push(s), now: c.now });
    const params: TrainingParams = {
      epochs: 25,
      initialEpoch: 0,
      steps: 2,
      samples: 256,
      batchSize: 128,
      verbose: 2,
      metrics: ['loss'],
    };
    logger.setParams(params);
    logger.onEpochBegin(2);
    logger.onBatchEnd(0, { loss: 1 });
    c.advance(0.5);
    logger.onBatchEnd(1, { loss: 0.9 });
    logger.onEpochEnd(2, { loss: 0.9, val_loss: 1.1 });
    expect(out).toEqual(['Epoch 3/25\n', '2/2 - 0s - loss: 0.9000 - val_loss: 1.1000 - 500ms/epoch - 250ms/step\n']);
    out.length = 0;
    logger.setParams({ ...params, epochs: 1 });
    logger.onEpochBegin(0);
    logger.onEpochEnd(0, { loss: 0.9 });
    expect(out).toEqual(['2/2 - 0s - loss: 0.9000 - 0s/epoch - 0s/step\n']);
  });
});
