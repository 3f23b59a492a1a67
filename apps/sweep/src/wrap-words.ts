/**
 * A line of prose broken at spaces into lines of at most `width` characters, later lines indented
 * by `indent`: a terminal would break it mid-word. A word longer than the width (a path) stays
 * whole on a line of its own rather than being cut.
 */
export function wrapWords(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const lead = lines.length === 0 ? '' : indent;
    if (line !== '' && [...line].length + 1 + [...word].length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else line = line === '' ? `${lead}${word}` : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}
