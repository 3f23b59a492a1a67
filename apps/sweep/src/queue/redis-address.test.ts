import { describe, expect, it } from 'vitest';
import { mask, parseRedisAddress } from './redis-address.js';

describe('--queue addresses', () => {
  it('reads host, port, database and credentials, and prints the password masked', () => {
    expect(parseRedisAddress('redis://:p%40ss@10.0.0.5:6380/2')).toEqual({
      host: '10.0.0.5',
      port: 6380,
      db: 2,
      password: 'p@ss',
      display: 'redis://:***@10.0.0.5:6380/2',
    });
    expect(parseRedisAddress('redis://localhost')).toEqual({
      host: 'localhost',
      port: 6379,
      db: 0,
      display: 'redis://localhost:6379/0',
    });
    expect(parseRedisAddress('rediss://alice:pw@cache.example.com')).toMatchObject({
      username: 'alice',
      password: 'pw',
      tls: { servername: 'cache.example.com' },
      display: 'rediss://alice:***@cache.example.com:6379/0',
    });
  });

  it('names what is wrong, without the password', () => {
    expect(() => parseRedisAddress('http://:pw@h:1')).toThrow(
      '--queue: expected redis://[:password@]host[:port][/db] (or rediss:// for TLS), but got "http://:***@h:1": the scheme is "http:".',
    );
    expect(() => parseRedisAddress('redis://:pw@h/x')).toThrow(
      'but got "redis://:***@h/x": the database "x" is not a number.',
    );
    expect(() => parseRedisAddress('localhost:6379')).toThrow(/the scheme is "localhost:"|not a URL/);
    expect(() => parseRedisAddress('redis://h?db=1')).toThrow('query strings and fragments are not supported');
  });

  it('masks every password in a message', () => {
    expect(mask("argument 'redis://:a@h:1' and rediss://u:b@k")).toBe(
      "argument 'redis://:***@h:1' and rediss://u:***@k",
    );
    expect(mask('redis://[:password@]host')).toBe('redis://[:password@]host');
  });
});
