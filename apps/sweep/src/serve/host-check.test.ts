import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { allowedHosts, hostAllowed, isLoopback, urlHost } from './host-check.js';

describe('the Host header check (DNS rebinding)', () => {
  it('accepts the loopback address and localhost with the port, nothing else', () => {
    const allowed = allowedHosts('127.0.0.1', 8765);
    for (const host of ['127.0.0.1:8765', 'localhost:8765', 'LOCALHOST:8765', '[::1]:8765'])
      expect(hostAllowed(host, allowed), host).toBe(true);
    for (const host of [
      undefined,
      '',
      '127.0.0.1',
      '127.0.0.1:8766',
      'evil.example:8765',
      'localhost.evil.example:8765',
      '127.0.0.1:8765.evil.example',
      'localhost:8765 ',
    ])
      expect(hostAllowed(host, allowed), String(host)).toBe(false);
  });

  it('leaves the port out only for port 80, as browsers do', () => {
    expect(hostAllowed('localhost', allowedHosts('127.0.0.1', 80))).toBe(true);
    expect(hostAllowed('localhost:80', allowedHosts('127.0.0.1', 80))).toBe(true);
  });

  it('writes IPv6 in brackets, and a wildcard bind accepts each interface address but no name', () => {
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('10.0.0.2')).toBe('10.0.0.2');
    const allowed = allowedHosts('0.0.0.0', 9000);
    const own = Object.values(networkInterfaces())
      .flatMap((a) => a ?? [])
      .map((a) => `${urlHost(a.address)}:9000`);
    expect(own.length).toBeGreaterThan(0);
    for (const host of own) expect(hostAllowed(host, allowed), host).toBe(true);
    expect(hostAllowed('attacker.example:9000', allowed)).toBe(false);
    expect(isLoopback('127.1.2.3')).toBe(true);
    expect(isLoopback('10.0.0.2')).toBe(false);
  });
});
