/**
 * The search subgraph (issue 15): owns the index of every searchable entity and the `search` field.
 * It follows the sources' logs through their internal routes (docs/protocols/search.md).
 */
export type { SearchIndex, SearchQuery, SearchPage, SearchHit, SearchHighlight, SearchMatch } from './engine/search-index.js';
