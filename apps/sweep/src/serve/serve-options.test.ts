import { describe, expect, it } from 'vitest';
import { parseSettings } from '../options.js';
import { DEFAULT_SERVE_PORT } from './serve-options.js';

describe('--serve and --host', () => {
  it('serve on loopback by default, on the given port, or any free one with 0', () => {
    expect(parseSettings([]).serve).toBeNull();
    expect(parseSettings(['--serve']).serve).toEqual({ port: DEFAULT_SERVE_PORT, host: '127.0.0.1' });
    expect(parseSettings(['--serve', '--quick']).serve).toEqual({ port: DEFAULT_SERVE_PORT, host: '127.0.0.1' });
    expect(parseSettings(['--serve', '0']).serve).toEqual({ port: 0, host: '127.0.0.1' });
    expect(parseSettings(['--serve', '9000', '--host', '[::1]']).serve).toEqual({ port: 9000, host: '::1' });
    expect(parseSettings(['--serve', '--host', '0.0.0.0']).serve).toEqual({
      port: DEFAULT_SERVE_PORT,
      host: '0.0.0.0',
    });
  });

  it.each([
    [['--serve', '65536'], 'expected --serve to be a port number in [0, 65535] (0: any free port), but got "65536".'],
    [['--serve', '-1'], "option '--serve [port]' argument '-1' is invalid."],
    [['--serve', '80a'], 'but got "80a".'],
    [
      ['--serve', '1', '--host', 'example.com'],
      'expected --host to be an IP address (e.g. 127.0.0.1, ::1, 0.0.0.0) or localhost, but got "example.com".',
    ],
    [['--host', '0.0.0.0'], '--host 0.0.0.0 is where --serve listens; add --serve [port].'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseSettings(argv)).toThrow(message);
  });
});
