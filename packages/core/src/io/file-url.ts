import { fileURLToPath } from 'node:url';
import { ValueError, describeValue } from '../errors.js';

/** `file://out/model` → `out/model`; `file:///abs/dir` → `/abs/dir`; a plain path stays as it is. */
export function filePathOf(url: unknown, what: string): string {
  if (typeof url !== 'string' || url === '') {
    throw new ValueError(`${what}: expected a file:// URL or a path, but got ${describeValue(url)}.`);
  }
  if (url.startsWith('file:///')) return fileURLToPath(url);
  if (url.startsWith('file://')) return decodeURIComponent(url.slice('file://'.length));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (scheme) throw new ValueError(`${what}: only file:// URLs are supported, but got ${describeValue(url)}.`);
  return url;
}
