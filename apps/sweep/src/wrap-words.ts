/**
 * A line of prose broken at spaces into lines of at most `width` characters, later lines indented
 * by `indent`: a terminal would break it mid-word. The first line keeps the text's own leading
 * spaces. A word longer than the width (a path) stays whole on a line of its own rather than
 * being cut.
 */
export function wrapWords(text: string, width: number, indent = ''): string {
  const lead = /^ */.exec(text)![0];
  const [first = '', ...rest] = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let line = `${lead}${first}`;
  for (const word of rest) {
    if ([...line].length + 1 + [...word].length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else line = `${line} ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}
