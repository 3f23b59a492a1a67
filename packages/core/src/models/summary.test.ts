import { beforeAll, describe, expect, test } from 'vitest';
import { Dense, input, layers, model, resetNames, sequential, setBackend, type LayersModel } from '../index.js';
import { uniqueName } from '../naming.js';
import { formatRow, isSequentialLike, withThousands } from './summary.js';
// @ts-expect-error plain ES module shared with the examples and the sweep app
import * as lesson from '../../examples/lesson-models.mjs';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Expected tables are written with a `|` closing each line, so trailing spaces stay visible. */
function table(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => line.replace(/\|$/, ''))
    .join('\n');
}

/** Keras 2's print_summary output for every model of the lesson, derived from its column rules. */
const EXPECTED: Record<string, string> = {
  wide: table(`
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
dense_1 (Dense)              (None, 250)               196250    |
_________________________________________________________________|
dense_2 (Dense)              (None, 10)                2510      |
=================================================================|
Total params: 198,760|
Trainable params: 198,760|
Non-trainable params: 0|
_________________________________________________________________|`),
  deep: table(`
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
dense_1 (Dense)              (None, 50)                39250     |
_________________________________________________________________|
dense_2 (Dense)              (None, 50)                2550      |
_________________________________________________________________|
dense_3 (Dense)              (None, 50)                2550      |
_________________________________________________________________|
dense_4 (Dense)              (None, 50)                2550      |
_________________________________________________________________|
dense_5 (Dense)              (None, 50)                2550      |
_________________________________________________________________|
dense_6 (Dense)              (None, 10)                510       |
=================================================================|
Total params: 49,960|
Trainable params: 49,960|
Non-trainable params: 0|
_________________________________________________________________|`),
  'deep-dropout': table(`
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
dense_1 (Dense)              (None, 50)                39250     |
_________________________________________________________________|
dropout_1 (Dropout)          (None, 50)                0         |
_________________________________________________________________|
dense_2 (Dense)              (None, 50)                2550      |
_________________________________________________________________|
dropout_2 (Dropout)          (None, 50)                0         |
_________________________________________________________________|
dense_3 (Dense)              (None, 50)                2550      |
_________________________________________________________________|
dropout_3 (Dropout)          (None, 50)                0         |
_________________________________________________________________|
dense_4 (Dense)              (None, 50)                2550      |
_________________________________________________________________|
dropout_4 (Dropout)          (None, 50)                0         |
_________________________________________________________________|
dense_5 (Dense)              (None, 50)                2550      |
_________________________________________________________________|
dropout_5 (Dropout)          (None, 50)                0         |
_________________________________________________________________|
dense_6 (Dense)              (None, 10)                510       |
=================================================================|
Total params: 49,960|
Trainable params: 49,960|
Non-trainable params: 0|
_________________________________________________________________|`),
  'wide-deep': table(`
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
dense_1 (Dense)              (None, 500)               392500    |
_________________________________________________________________|
dropout_1 (Dropout)          (None, 500)               0         |
_________________________________________________________________|
dense_2 (Dense)              (None, 250)               125250    |
_________________________________________________________________|
dropout_2 (Dropout)          (None, 250)               0         |
_________________________________________________________________|
dense_3 (Dense)              (None, 250)               62750     |
_________________________________________________________________|
dropout_3 (Dropout)          (None, 250)               0         |
_________________________________________________________________|
dense_4 (Dense)              (None, 250)               62750     |
_________________________________________________________________|
dropout_4 (Dropout)          (None, 250)               0         |
_________________________________________________________________|
dense_5 (Dense)              (None, 250)               62750     |
_________________________________________________________________|
dropout_5 (Dropout)          (None, 250)               0         |
_________________________________________________________________|
dense_6 (Dense)              (None, 10)                2510      |
=================================================================|
Total params: 708,510|
Trainable params: 708,510|
Non-trainable params: 0|
_________________________________________________________________|`),
  'wide-deep-bn': table(`
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
dense_1 (Dense)              (None, 500)               392500    |
_________________________________________________________________|
batch_normalization_1 (Batch (None, 500)               2000      |
_________________________________________________________________|
activation_1 (Activation)    (None, 500)               0         |
_________________________________________________________________|
dropout_1 (Dropout)          (None, 500)               0         |
_________________________________________________________________|
dense_2 (Dense)              (None, 250)               125250    |
_________________________________________________________________|
batch_normalization_2 (Batch (None, 250)               1000      |
_________________________________________________________________|
activation_2 (Activation)    (None, 250)               0         |
_________________________________________________________________|
dropout_2 (Dropout)          (None, 250)               0         |
_________________________________________________________________|
dense_3 (Dense)              (None, 250)               62750     |
_________________________________________________________________|
batch_normalization_3 (Batch (None, 250)               1000      |
_________________________________________________________________|
activation_3 (Activation)    (None, 250)               0         |
_________________________________________________________________|
dropout_3 (Dropout)          (None, 250)               0         |
_________________________________________________________________|
dense_4 (Dense)              (None, 250)               62750     |
_________________________________________________________________|
batch_normalization_4 (Batch (None, 250)               1000      |
_________________________________________________________________|
activation_4 (Activation)    (None, 250)               0         |
_________________________________________________________________|
dropout_4 (Dropout)          (None, 250)               0         |
_________________________________________________________________|
dense_5 (Dense)              (None, 250)               62750     |
_________________________________________________________________|
batch_normalization_5 (Batch (None, 250)               1000      |
_________________________________________________________________|
activation_5 (Activation)    (None, 250)               0         |
_________________________________________________________________|
dropout_5 (Dropout)          (None, 250)               0         |
_________________________________________________________________|
dense_6 (Dense)              (None, 10)                2510      |
_________________________________________________________________|
batch_normalization_6 (Batch (None, 10)                40        |
_________________________________________________________________|
activation_6 (Activation)    (None, 10)                0         |
=================================================================|
Total params: 714,550|
Trainable params: 711,530|
Non-trainable params: 3,020|
_________________________________________________________________|`),
  'wide-functional': table(`
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
input_1 (InputLayer)         (None, 784)               0         |
_________________________________________________________________|
dense_1 (Dense)              (None, 250)               196250    |
_________________________________________________________________|
dense_2 (Dense)              (None, 10)                2510      |
=================================================================|
Total params: 198,760|
Trainable params: 198,760|
Non-trainable params: 0|
_________________________________________________________________|`),
  'wide-functional-activation': table(`
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
input_1 (InputLayer)         (None, 784)               0         |
_________________________________________________________________|
dense_1 (Dense)              (None, 250)               196250    |
_________________________________________________________________|
activation_1 (Activation)    (None, 250)               0         |
_________________________________________________________________|
dense_2 (Dense)              (None, 10)                2510      |
=================================================================|
Total params: 198,760|
Trainable params: 198,760|
Non-trainable params: 0|
_________________________________________________________________|`),
  exercise1: table(`
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
input_1 (InputLayer)         (None, 10)                0         |
_________________________________________________________________|
dense_1 (Dense)              (None, 10)                110       |
_________________________________________________________________|
dense_2 (Dense)              (None, 20)                220       |
_________________________________________________________________|
dense_3 (Dense)              (None, 10)                210       |
_________________________________________________________________|
dense_4 (Dense)              (None, 1)                 11        |
=================================================================|
Total params: 551|
Trainable params: 551|
Non-trainable params: 0|
_________________________________________________________________|`),
  churn: table(`
__________________________________________________________________________________________________|
Layer (type)                    Output Shape         Param #     Connected to                     |
==================================================================================================|
input_1 (InputLayer)            (None, 10)           0                                            |
__________________________________________________________________________________________________|
dense_1 (Dense)                 (None, 10)           110         input_1[0][0]                    |
__________________________________________________________________________________________________|
input_2 (InputLayer)            (None, 8)            0                                            |
__________________________________________________________________________________________________|
dense_2 (Dense)                 (None, 15)           165         dense_1[0][0]                    |
__________________________________________________________________________________________________|
dense_4 (Dense)                 (None, 8)            72          input_2[0][0]                    |
__________________________________________________________________________________________________|
dense_3 (Dense)                 (None, 10)           160         dense_2[0][0]                    |
__________________________________________________________________________________________________|
dense_5 (Dense)                 (None, 8)            72          dense_4[0][0]                    |
__________________________________________________________________________________________________|
concatenate_1 (Concatenate)     (None, 18)           0           dense_3[0][0]                    |
                                                                 dense_5[0][0]                    |
__________________________________________________________________________________________________|
dense_6 (Dense)                 (None, 10)           190         concatenate_1[0][0]              |
__________________________________________________________________________________________________|
dense_7 (Dense)                 (None, 10)           110         dense_6[0][0]                    |
__________________________________________________________________________________________________|
dense_8 (Dense)                 (None, 1)            11          dense_7[0][0]                    |
==================================================================================================|
Total params: 890|
Trainable params: 890|
Non-trainable params: 0|
__________________________________________________________________________________________________|`),
  exercise2: table(`
__________________________________________________________________________________________________|
Layer (type)                    Output Shape         Param #     Connected to                     |
==================================================================================================|
input_1 (InputLayer)            (None, 20)           0                                            |
__________________________________________________________________________________________________|
input_2 (InputLayer)            (None, 20)           0                                            |
__________________________________________________________________________________________________|
input_3 (InputLayer)            (None, 20)           0                                            |
__________________________________________________________________________________________________|
dense_1 (Dense)                 (None, 20)           420         input_1[0][0]                    |
__________________________________________________________________________________________________|
dense_3 (Dense)                 (None, 20)           420         input_2[0][0]                    |
__________________________________________________________________________________________________|
dense_5 (Dense)                 (None, 20)           420         input_3[0][0]                    |
__________________________________________________________________________________________________|
dense_2 (Dense)                 (None, 10)           210         dense_1[0][0]                    |
__________________________________________________________________________________________________|
dense_4 (Dense)                 (None, 10)           210         dense_3[0][0]                    |
__________________________________________________________________________________________________|
dense_6 (Dense)                 (None, 10)           210         dense_5[0][0]                    |
__________________________________________________________________________________________________|
add_1 (Add)                     (None, 10)           0           dense_2[0][0]                    |
                                                                 dense_4[0][0]                    |
                                                                 dense_6[0][0]                    |
__________________________________________________________________________________________________|
dense_7 (Dense)                 (None, 10)           110         add_1[0][0]                      |
__________________________________________________________________________________________________|
dense_8 (Dense)                 (None, 10)           110         dense_7[0][0]                    |
__________________________________________________________________________________________________|
dense_9 (Dense)                 (None, 10)           110         dense_8[0][0]                    |
__________________________________________________________________________________________________|
dense_10 (Dense)                (None, 5)            55          dense_9[0][0]                    |
==================================================================================================|
Total params: 2,275|
Trainable params: 2,275|
Non-trainable params: 0|
__________________________________________________________________________________________________|`),
};

const PARAMS: Record<string, [total: number, trainable: number]> = {
  wide: [198_760, 198_760],
  deep: [49_960, 49_960],
  'deep-dropout': [49_960, 49_960],
  'wide-deep': [708_510, 708_510],
  'wide-deep-bn': [714_550, 711_530],
  'wide-functional': [198_760, 198_760],
  'wide-functional-activation': [198_760, 198_760],
  exercise1: [551, 551],
  churn: [890, 890],
  exercise2: [2_275, 2_275],
};

function capture(m: LayersModel, lineLength?: number, positions?: number[]): { lines: string[]; text: string } {
  const lines: string[] = [];
  const text = m.summary(lineLength, positions, (line) => lines.push(line));
  return { lines, text };
}

describe('summary() of the lesson models', () => {
  for (const [id, [total, trainable]] of Object.entries(PARAMS)) {
    test(`${id}: ${withThousands(total)} params and Keras's table`, () => {
      resetNames();
      const m = lesson.lessonModels[id]() as LayersModel;
      expect(m.countParams()).toBe(total);
      const { lines, text } = capture(m);
      expect(text).toBe(EXPECTED[id]);
      expect(lines.join('\n')).toBe(text);
      expect(lines).toContain(`Total params: ${withThousands(total)}`);
      expect(lines).toContain(`Trainable params: ${withThousands(trainable)}`);
      expect(lines).toContain(`Non-trainable params: ${withThousands(total - trainable)}`);
      m.dispose();
    });
  }

  test('churn: the rows the lesson prints, with its layer names', () => {
    // The lesson's notebook had made 2 inputs and 6 dense layers before this model.
    resetNames();
    for (let i = 0; i < 2; i++) uniqueName('input');
    for (let i = 0; i < 6; i++) uniqueName('dense');
    const m = lesson.churn() as LayersModel;
    const { lines } = capture(m);
    // Copied from the lesson's output cell (which lost the `=` line under the header).
    const fromLesson = [
      '__________________________________________________________________________________________________',
      'Layer (type)                    Output Shape         Param #     Connected to                     ',
      'input_3 (InputLayer)            (None, 10)           0                                            ',
      '__________________________________________________________________________________________________',
      'dense_7 (Dense)                 (None, 10)           110         input_3[0][0]                    ',
      '__________________________________________________________________________________________________',
      'input_4 (InputLayer)            (None, 8)            0                                            ',
      '__________________________________________________________________________________________________',
      'dense_8 (Dense)                 (None, 15)           165         dense_7[0][0]                    ',
      '__________________________________________________________________________________________________',
    ];
    expect(lines.filter((line) => !line.startsWith('='))).toEqual(expect.arrayContaining(fromLesson));
    expect(lines.filter((line) => !line.startsWith('=')).slice(0, fromLesson.length)).toEqual(fromLesson);
    expect(lines[lines.indexOf(fromLesson[8]!) + 2]!.startsWith('dense_10 (')).toBe(true);
    m.dispose();
  });
});

describe('summary() layout rules', () => {
  test("rows follow Keras's print_row: cut at each column end, the character before a field is a space", () => {
    expect(formatRow(['batch_normalization_1 (BatchNormalization)', '(None, 500)', '2000'], [29, 55, 65])).toBe(
      'batch_normalization_1 (Batch (None, 500)               2000      ',
    );
    expect(formatRow(['a', 'b', 'c', 'd'], [2, 4, 6, 8])).toBe('a b c d ');
    expect(formatRow(['abc', 'def'], [2, 6])).toBe('a def ');
  });

  test('thousands separators as Python formats them', () => {
    expect([0, 999, 1000, 49_960, 1_234_567].map(withThousands)).toEqual(['0', '999', '1,000', '49,960', '1,234,567']);
  });

  test('lineLength and positions (fractions or absolute columns) are honoured', () => {
    resetNames();
    const m = lesson.exercise1() as LayersModel;
    const narrow = capture(m, 40).lines;
    // int(40 * .45) = 18, int(40 * .85) = 34: 'Param #' loses its last character.
    expect(narrow[0]).toBe('_'.repeat(40));
    expect(narrow[1]).toBe('Layer (type)      Output Shape    Param ');
    expect(narrow[3]).toBe('input_1 (InputLay (None, 10)      0     ');
    const absolute = capture(m, 30, [10, 20, 30]).lines;
    expect(absolute[3]).toBe('input_1 ( (None, 10 0         ');
    expect(() => m.summary(undefined, [0.5, 1])).toThrow(
      /expected 3 positions \(one per column: Layer \(type\), Output Shape, Param #\), but got \[0\.5, 1\]/,
    );
    m.dispose();
  });

  test('a functional chain is printed like a Sequential; a shared layer or a merge is not', () => {
    resetNames();
    expect(isSequentialLike(lesson.exercise1())).toBe(true);
    expect(isSequentialLike(lesson.churn())).toBe(false);
    expect(isSequentialLike(sequential([layers.dense({ units: 2, inputDim: 3 })]))).toBe(true);
    const x = input({ shape: [4] });
    const shared = new Dense({ units: 4 });
    const twice = model({ inputs: x, outputs: shared.apply(shared.apply(x)) });
    expect(isSequentialLike(twice)).toBe(false);
  });

  test('a layer called twice lists each call; differing output shapes print as "multiple"', () => {
    resetNames();
    const a = input({ shape: [4] });
    const b = input({ shape: [4] });
    const shared = layers.dense({ units: 3 });
    const m = model({ inputs: [a, b], outputs: [shared.apply(a), shared.apply(b)] });
    const { lines } = capture(m);
    expect(lines.slice(3)).toEqual(
      table(`
input_1 (InputLayer)            (None, 4)            0                                            |
__________________________________________________________________________________________________|
input_2 (InputLayer)            (None, 4)            0                                            |
__________________________________________________________________________________________________|
dense_1 (Dense)                 (None, 3)            15          input_1[0][0]                    |
                                                                 input_2[0][0]                    |
==================================================================================================|
Total params: 15|
Trainable params: 15|
Non-trainable params: 0|
__________________________________________________________________________________________________|
`).split('\n'),
    );
    // Keras's output_shape is the one all calls share: (None, 3) and (2, 3) differ.
    const c = input({ shape: [4] });
    const d = input({ batchShape: [2, 4] });
    const both = layers.dense({ units: 3 });
    const row = capture(model({ inputs: [c, d], outputs: [both.apply(c), both.apply(d)] })).lines.find((l) =>
      l.startsWith('dense_2'),
    );
    expect(row).toBe(
      'dense_2 (Dense)                 multiple             15          input_3[0][0]                    ',
    );
  });
});
