import { describe, expect, it } from 'vitest';
import { dashboardCredentials } from '../src/commands/start.ts';

describe('`start` banner', () => {
  it('shows the admin password it generated', () => {
    expect(dashboardCredentials([{ name: 'admin', role: 'admin', password: 'gen-123456' }], 'gen-123456')).toBe('  (user admin, password gen-123456)');
  });

  it('never prints a configured password, plain or hashed (stdout is a log stream)', () => {
    const configured = [
      { name: 'support', role: 'viewer' as const, password: 'viewer-plain-1' },
      { name: 'ops', role: 'admin' as const, password: 'configured-plain-1' },
    ];
    expect(dashboardCredentials(configured, undefined)).toBe('');
    expect(dashboardCredentials([{ name: 'ops', role: 'admin', password: 'scrypt$c2FsdA==$aGFzaA==' }], undefined)).toBe('');
    // A generated value that is not the admin's password (users configured after all) prints nothing.
    expect(dashboardCredentials(configured, 'gen-123456')).toBe('');
  });
});
