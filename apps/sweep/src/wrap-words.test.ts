import { describe, expect, it } from 'vitest';
import { wrapWords } from './wrap-words.js';

describe('wrapWords', () => {
  it('breaks at the last space that fits, indenting the lines after the first', () => {
    const winner =
      'Winner: wide-deep with 98.44 % validation accuracy, 0.08 points ahead of wide-deep-bn (98.36 %); its test accuracy is 98.34 %.';
    expect(wrapWords(winner, 80, '  ')).toBe(
      'Winner: wide-deep with 98.44 % validation accuracy, 0.08 points ahead of\n' +
        '  wide-deep-bn (98.36 %); its test accuracy is 98.34 %.',
    );
    expect(wrapWords('short enough', 80)).toBe('short enough');
  });

  it('keeps a word longer than the width whole, on a line of its own', () => {
    expect(wrapWords('Results: /a/very/long/folder/name/results.json, results.csv', 20)).toBe(
      'Results:\n/a/very/long/folder/name/results.json,\nresults.csv',
    );
  });

  it("keeps a line's own leading spaces (the lesson check's indented lines)", () => {
    expect(wrapWords('  wide: 97.84 % validation accuracy, within the lesson', 30, '    ')).toBe(
      '  wide: 97.84 % validation\n    accuracy, within the\n    lesson',
    );
    expect(wrapWords('  short', 80, '    ')).toBe('  short');
  });
});
