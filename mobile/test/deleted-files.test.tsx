import { describe, expect, it } from '@jest/globals';
import type { ApolloLink } from '@apollo/client';
import { describeError, type DeletedFilesQuery } from '@organoise/client';
import { router } from 'expo-router';
import { act, fireEvent, screen, waitFor } from 'expo-router/testing-library';
import { authFetch, gatewayFor, organization, organizations, renderApp, signedInSession, StandInGateway } from './harness';

// Recently deleted files and their restore (app/deleted-files.tsx) on the real screens and Apollo
// cache; the gateway is a stand-in (test/harness.tsx).

type Node = NonNullable<DeletedFilesQuery['organization']>['deletedFiles']['nodes'][number];
const DAY_MS = 24 * 60 * 60 * 1000;

function deletedFile(id: string, name: string): Node {
  const deletedAt = '2026-12-05T12:00:00.000Z';
  return {
    __typename: 'File',
    id,
    name,
    contentType: 'text/plain',
    size: 2048,
    deletedAt,
    purgeAt: new Date(Date.parse(deletedAt) + 30 * DAY_MS).toISOString(),
    deletedBy: { __typename: 'User', id: 'u2', name: 'Linus' },
  };
}

function page(nodes: Node[], options: { totalCount?: number; endCursor?: string | null } = {}): ApolloLink.Result {
  const endCursor = options.endCursor ?? null;
  return {
    data: {
      __typename: 'Query',
      organization: {
        __typename: 'Organization',
        id: 'org-1',
        deletedFiles: { __typename: 'FileConnection', totalCount: options.totalCount ?? nodes.length, pageInfo: { __typename: 'PageInfo', hasNextPage: endCursor !== null, endCursor }, nodes },
      },
    },
  };
}

/** Ada as an admin of Acme (or another role), the stand-in gateway answering DeletedFiles with `answer`. */
async function open(answer: (variables: Record<string, unknown>) => ApolloLink.Result | Promise<ApolloLink.Result>, role: 'ADMIN' | 'OWNER' | 'MEMBER' = 'ADMIN', initialUrl = '/deleted-files') {
  const gateway: StandInGateway = gatewayFor();
  gateway.answer('MyOrganizations', () => ({ data: organizations(organization('org-1', 'Acme', role)) }));
  gateway.answer('DeletedFiles', answer);
  await renderApp({ gateway, session: signedInSession(authFetch().fetch), initialUrl });
  return gateway;
}

describe('recently deleted files', () => {
  it('should show a loading state, then each deleted file with its size, who deleted it and the day it goes for good', async () => {
    let release: (result: ApolloLink.Result) => void = () => {};
    const gateway = await open(() => new Promise((resolve) => (release = resolve)));
    expect(await screen.findByLabelText('Loading deleted files')).toBeTruthy();
    await act(async () => release(page([deletedFile('f1', 'minutes.txt')])));
    expect(await screen.findByText('minutes.txt')).toBeTruthy();
    expect(screen.getByText(/^2 KB · deleted .* by Linus$/)).toBeTruthy();
    expect(screen.getByTestId('purge-date').props.children).toEqual(['Removed for good on ', new Date('2027-01-04T12:00:00.000Z').toLocaleDateString()]);
    expect(gateway.named('DeletedFiles')[0]!.variables).toEqual({ organizationId: 'org-1', first: 20 });
  });

  it('should say so when nothing was deleted', async () => {
    await open(() => page([]));
    expect(await screen.findByText(/^No recently deleted files\./)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Restore/ })).toBeNull();
  });

  it('should show the refusal and read again on Try again', async () => {
    let fail = true;
    const gateway = await open(() => (fail ? { errors: [{ message: 'down', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }] } as ApolloLink.Result : page([deletedFile('f1', 'minutes.txt')])));
    expect(await screen.findByText(describeError({ code: 'SUBGRAPH_UNAVAILABLE' }).message)).toBeTruthy();
    fail = false;
    await fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('minutes.txt')).toBeTruthy();
    expect(gateway.named('DeletedFiles')).toHaveLength(2);
  });

  it('should restore a file with an idempotency key, say so, and read the list again without it', async () => {
    let nodes = [deletedFile('f1', 'minutes.txt'), deletedFile('f2', 'budget.xlsx')];
    const gateway = await open(() => page(nodes));
    gateway.answer('RestoreFile', (v) => {
      nodes = nodes.filter((n) => n.id !== v.id);
      return { data: { __typename: 'Mutation', restoreFile: { __typename: 'File', id: 'f1', name: 'minutes.txt', contentType: 'text/plain', size: 2048, createdAt: '2026-12-01T12:00:00Z', currentVersion: 1, owner: { __typename: 'User', id: 'u2', name: 'Linus' } } } };
    });
    await screen.findByText('minutes.txt');
    await fireEvent.press(screen.getByRole('button', { name: 'Restore minutes.txt' }));
    expect((await screen.findByTestId('restored-notice')).props.children).toEqual(['Restored ', 'minutes.txt', '.']);
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Restore minutes.txt' })).toBeNull());
    expect(screen.getByText('budget.xlsx')).toBeTruthy();
    const [restore] = gateway.named('RestoreFile');
    expect(restore!.variables).toEqual({ id: 'f1', idempotencyKey: expect.stringMatching(/^.{8,200}$/) });
  });

  it('should show a refused restore on its row and keep the file listed', async () => {
    const gateway = await open(() => page([deletedFile('f1', 'minutes.txt')]));
    gateway.answer('RestoreFile', () => ({ errors: [{ message: 'File not found', extensions: { code: 'NOT_FOUND' } }] }) as ApolloLink.Result);
    await screen.findByText('minutes.txt');
    await fireEvent.press(screen.getByRole('button', { name: 'Restore minutes.txt' }));
    expect(await screen.findByText(describeError({ code: 'NOT_FOUND' }).message)).toBeTruthy();
    expect(screen.getByText('minutes.txt')).toBeTruthy();
    expect(screen.queryByTestId('restored-notice')).toBeNull();
  });

  it('should load the next page by its cursor and add it below the first', async () => {
    const gateway = await open((v) => (v.after === 'c1' ? page([deletedFile('f2', 'budget.xlsx')], { totalCount: 2 }) : page([deletedFile('f1', 'minutes.txt')], { totalCount: 2, endCursor: 'c1' })));
    await screen.findByText('minutes.txt');
    await fireEvent.press(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('budget.xlsx')).toBeTruthy();
    expect(screen.getByText('minutes.txt')).toBeTruthy();
    expect(gateway.named('DeletedFiles').map((r) => r.variables.after ?? null)).toEqual([null, 'c1']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('should link an owner to it from the inbox', async () => {
    await open(() => page([]), 'OWNER', '/');
    await screen.findByText('Nothing waiting for you. New tasks appear here as they are assigned.');
    expect(screen.getByText('Recently deleted files')).toBeTruthy();
  });

  it('should offer a member neither the link nor the list, and never ask for it', async () => {
    const gateway = await open(() => page([deletedFile('f1', 'minutes.txt')]), 'MEMBER', '/');
    await screen.findByText('Nothing waiting for you. New tasks appear here as they are assigned.');
    expect(screen.queryByText('Recently deleted files')).toBeNull();
    await act(async () => router.push('/deleted-files'));
    expect(await screen.findByText(/^Only admins and owners/)).toBeTruthy();
    expect(screen.queryByText('minutes.txt')).toBeNull();
    expect(gateway.named('DeletedFiles')).toHaveLength(0);
  });
});
