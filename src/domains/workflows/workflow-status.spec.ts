import { statusAfterEvent } from './workflow-status';

describe('statusAfterEvent', () => {
  it('should map the four status-changing event types', () => {
    expect(statusAfterEvent('step.started')).toBe('running');
    expect(statusAfterEvent('step.failed')).toBe('failed');
    expect(statusAfterEvent('hook.waiting')).toBe('paused');
    expect(statusAfterEvent('hook.received')).toBe('running');
  });

  it('should leave the status alone for any other event type', () => {
    for (const type of [
      'step.completed',
      'custom.event',
      'STEP.STARTED',
      'constructor',
      '__proto__',
      'toString',
    ]) {
      expect(statusAfterEvent(type)).toBeNull();
    }
  });
});
