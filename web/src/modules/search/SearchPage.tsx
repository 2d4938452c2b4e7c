import { useQuery } from '@apollo/client/react';
import { Button, Chip, List, ListItem, ListItemText, Paper, Stack, Typography } from '@mui/material';
import { useState, type ReactNode } from 'react';
import { SearchDocument, type SearchQuery, type SearchType } from '@organoise/client';
import { Link, navigate, useQueryString } from '../../app/router';
import { PageHeading } from '../../ui/PageHeading';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { useOrganization } from '../organizations/context';

type Edge = SearchQuery['search']['edges'][number];
type Highlight = Edge['highlights'][number];

const TYPE_LABELS: Record<SearchType, string> = {
  USER: 'People',
  WORKFLOW_DEFINITION: 'Workflows',
  WORKFLOW_RUN: 'Runs',
  HUMAN_TASK: 'Tasks',
  FILE: 'Files',
};
const NODE_LABELS: Record<Edge['node']['__typename'] & string, string> = {
  User: 'Person',
  WorkflowDefinition: 'Workflow',
  WorkflowRun: 'Run',
  HumanTask: 'Task',
  File: 'File',
};
const isType = (value: string): value is SearchType => value in TYPE_LABELS;

/** The URL of a search: the words, and the one type it is narrowed to (if any). */
export function searchPath(q: string, type?: SearchType | null): string {
  const params = new URLSearchParams({ q });
  if (type) params.set('type', type);
  return `/search?${params.toString()}`;
}

/**
 * Search in the current organization (issue 15), opened from the app bar's field: the words and
 * the type filter live in the URL (`/search?q=...&type=...`), so a search can be shared, reloaded
 * and gone back to. Hits come best first, each with where its words matched marked.
 */
export default function SearchPage() {
  const params = new URLSearchParams(useQueryString());
  const q = (params.get('q') ?? '').trim();
  const typeParam = params.get('type');
  const type = typeParam && isType(typeParam) ? typeParam : null;
  return (
    <Stack spacing={2}>
      <PageHeading title={q ? `Search: ${q}` : 'Search'} />
      {q ? <Results key={`${q}\n${type ?? ''}`} q={q} type={type} /> : <Empty title="Type words in the search field to find people, workflows, runs, tasks and files" />}
    </Stack>
  );
}

function Results({ q, type }: { q: string; type: SearchType | null }) {
  const { current } = useOrganization();
  const { data, loading, error, fetchMore } = useQuery(SearchDocument, {
    variables: { organizationId: current.id, query: q, ...(type ? { types: [type] } : {}) },
    notifyOnNetworkStatusChange: false,
  });
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  if (loading && !data) return <Loading label="Searching" />;
  if (error && !data) return <ErrorState error={error} title="Search failed" />;
  if (!data) return null;
  const { edges, facets, totalCount, pageInfo } = data.search;
  const all = facets.reduce((sum, facet) => sum + facet.count, 0);
  const loadMore = async () => {
    setMore({ loading: true, error: null });
    try {
      await fetchMore({
        variables: { after: pageInfo.endCursor },
        updateQuery: (previous, { fetchMoreResult }) => ({
          ...fetchMoreResult,
          search: { ...fetchMoreResult.search, edges: [...previous.search.edges, ...fetchMoreResult.search.edges] },
        }),
      });
      setMore({ loading: false, error: null });
    } catch (failure) {
      setMore({ loading: false, error: failure });
    }
  };
  return (
    <>
      {facets.length > 0 ? (
        <Stack direction="row" role="group" aria-label="Filter by type" sx={{ gap: 1, flexWrap: 'wrap' }}>
          <Chip label={`All ${all}`} clickable color={type ? 'default' : 'primary'} aria-pressed={!type} onClick={() => navigate(searchPath(q))} />
          {facets.map((facet) => (
            <Chip
              key={facet.type}
              label={`${TYPE_LABELS[facet.type]} ${facet.count}`}
              clickable
              color={type === facet.type ? 'primary' : 'default'}
              aria-pressed={type === facet.type}
              onClick={() => navigate(searchPath(q, type === facet.type ? null : facet.type))}
            />
          ))}
        </Stack>
      ) : null}
      {edges.length === 0 ? (
        <Empty title={`Nothing found for “${q}”`}>{type ? <Typography>Try all types: the filter shows {TYPE_LABELS[type].toLowerCase()} only.</Typography> : null}</Empty>
      ) : (
        <>
          <Typography role="status" color="text.secondary">
            {totalCount === 1 ? '1 result' : `${totalCount} results`}
            {type ? ` in ${TYPE_LABELS[type].toLowerCase()}` : ''}
          </Typography>
          <Paper variant="outlined">
            <List aria-label="Search results" data-testid="search-results">
              {edges.map((edge) => (
                <Hit key={edge.cursor} edge={edge} />
              ))}
            </List>
          </Paper>
        </>
      )}
      {more.error ? <ErrorState error={more.error} title="Could not load more results" /> : null}
      {pageInfo.hasNextPage ? (
        <Button variant="outlined" onClick={() => void loadMore()} disabled={more.loading} sx={{ alignSelf: 'center' }}>
          {more.loading ? 'Loading more…' : 'Load more'}
        </Button>
      ) : null}
    </>
  );
}

function Hit({ edge }: { edge: Edge }) {
  const { node } = edge;
  const title = edge.highlights.find((h) => h.field === 'TITLE');
  const body = edge.highlights.find((h) => h.field === 'BODY');
  const name = title ? <Marked highlight={title} /> : fallbackName(node);
  const href = hrefOf(node);
  return (
    <ListItem divider>
      <ListItemText
        primary={
          <Stack direction="row" component="span" sx={{ gap: 1, alignItems: 'center' }}>
            <Chip size="small" variant="outlined" label={NODE_LABELS[node.__typename]} component="span" data-testid="search-hit-type" />
            {href ? (
              <Link href={href} data-testid="search-hit-link">
                {name}
              </Link>
            ) : (
              <span>{name}</span>
            )}
          </Stack>
        }
        secondary={body ? <Marked highlight={body} /> : node.__typename === 'WorkflowRun' ? `${node.definition.name} · ${node.state}` : null}
        slotProps={{ primary: { component: 'div' }, secondary: { component: 'div' } }}
      />
    </ListItem>
  );
}

function fallbackName(node: Edge['node']): string {
  switch (node.__typename) {
    case 'User':
    case 'WorkflowDefinition':
    case 'File':
      return node.name;
    case 'HumanTask':
      return node.title;
    case 'WorkflowRun':
      return `${node.definition.name} run`;
  }
}

/** Where a hit opens: its own page where it has one (a person has none). */
function hrefOf(node: Edge['node']): string | null {
  switch (node.__typename) {
    case 'WorkflowDefinition':
      return `/workflows/${node.id}`;
    case 'WorkflowRun':
      return `/runs/${node.id}`;
    // A task is seen and acted on in its run (as the tasks screen links it).
    case 'HumanTask':
      return `/runs/${node.run.id}`;
    case 'File':
      return '/files';
    case 'User':
      return null;
  }
}

/** The highlight's text with its matched ranges in <mark> (ranges are UTF-16 indices, as JS strings). */
export function Marked({ highlight }: { highlight: Highlight }) {
  const { text } = highlight;
  const parts: ReactNode[] = [];
  let at = 0;
  for (const { start, length } of [...highlight.matches].sort((a, b) => a.start - b.start)) {
    const from = Math.max(start, at);
    const to = Math.min(start + length, text.length);
    if (to <= from) continue;
    if (from > at) parts.push(text.slice(at, from));
    parts.push(<mark key={from}>{text.slice(from, to)}</mark>);
    at = to;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}
