import { describe, expect, it } from 'vitest';
import { runNotice, taskNotice, type RunEvent } from '../src/notices';
import type { TaskEvent } from '../src/tasks';

const runEvent = (type: string, startedBy: string | null, state = 'approved'): RunEvent => ({
  cursor: '1',
  type,
  at: '2026-12-05T12:00:00Z',
  run: { id: 'r1', state, status: 'COMPLETED', startedBy: startedBy ? { id: startedBy } : null, definition: { id: 'd1', name: 'Expense' } },
});

const taskEvent = (type: string, status: 'OPEN' | 'DONE', viewerIsAssignee = true) =>
  ({ cursor: '1', type, at: '', task: { id: 't1', title: 'Approve the expense', status, viewerIsAssignee } }) as unknown as TaskEvent;

describe('in-app notices from subscription events', () => {
  it('should tell a person about a task opened for them, and about nothing else in the task stream', () => {
    expect(taskNotice(taskEvent('workflow.task.opened', 'OPEN'))).toBe('New task: Approve the expense');
    expect(taskNotice(taskEvent('workflow.task.closed', 'DONE'))).toBeNull();
    expect(taskNotice(taskEvent('workflow.task.opened', 'OPEN', false))).toBeNull();
  });

  it('should tell the starter of a run that it finished or was cancelled, and no one else', () => {
    expect(runNotice(runEvent('workflow.run.completed', 'ada', 'paid_out'), 'ada')).toBe('Your Expense run finished: paid out');
    expect(runNotice(runEvent('workflow.run.cancelled', 'ada'), 'ada')).toBe('Your Expense run was cancelled');
    expect(runNotice(runEvent('workflow.run.completed', 'linus'), 'ada')).toBeNull();
    expect(runNotice(runEvent('workflow.run.transitioned', 'ada'), 'ada')).toBeNull();
    expect(runNotice(runEvent('workflow.run.completed', null), 'ada')).toBeNull();
  });
});
