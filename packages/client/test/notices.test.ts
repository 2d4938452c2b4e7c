import { describe, expect, it } from 'vitest';
import { bytesOf, formatSize, safeFileName } from '../src/files';
import { runNotice, taskNotice, type RunEvent } from '../src/notices';
import type { TaskEvent } from '../src/tasks';

const runEvent = (type: string, startedBy: string | null, state = 'approved'): RunEvent => ({
  __typename: 'WorkflowRunEvent',
  cursor: '1',
  type,
  at: '2026-12-05T12:00:00Z',
  run: { __typename: 'WorkflowRun', id: 'r1', state, status: 'COMPLETED', startedBy: startedBy ? { __typename: 'User', id: startedBy } : null, definition: { __typename: 'WorkflowDefinition', id: 'd1', name: 'Expense' } },
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

describe('files to open or share', () => {
  it('should save under a name without path separators or control characters, keeping the extension of a long one', () => {
    const escaped = safeFileName('../../etc/passwd');
    expect(escaped).not.toMatch(/[\\/]/);
    expect(escaped.startsWith('.')).toBe(false);
    expect(safeFileName('quote\u0000.txt')).toBe('quote_.txt');
    expect(safeFileName('   ')).toBe('file');
    const long = safeFileName(`${'a'.repeat(300)}.pdf`);
    expect(long).toHaveLength(120);
    expect(long.endsWith('.pdf')).toBe(true);
  });

  it('should decode the API’s base64 into the file’s bytes, and print sizes as people read them', () => {
    expect([...bytesOf(Buffer.from([0, 255, 16]).toString('base64'))]).toEqual([0, 255, 16]);
    expect([formatSize(512), formatSize(2048), formatSize(5 * 1024 * 1024 + 100)]).toEqual(['512 B', '2 KB', '5.0 MB']);
  });
});
