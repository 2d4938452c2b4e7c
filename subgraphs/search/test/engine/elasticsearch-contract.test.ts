import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { describe, it } from 'vitest';
import { ElasticsearchSearchIndex } from '../../src/engine/elasticsearch.js';
import type { SearchIndex } from '../../src/engine/search-index.js';
import { searchIndexContract } from './contract.js';

// The contract suite against a REAL Elasticsearch server, when ELASTICSEARCH_URL names one (none can
// run on this project's CI machines). Each run uses an index of its own (a random prefix) and
// deletes it at the end. Without a server, elasticsearch-shapes.test.ts checks the requests the
// adapter sends and how it reads answers, on a mocked HTTP layer.
const url = process.env.ELASTICSEARCH_URL;

if (url) {
  searchIndexContract(`ElasticsearchSearchIndex at ${new URL(url).host}`, async () => {
    const client = new Client({ node: url });
    const index = await ElasticsearchSearchIndex.open({ client, indexPrefix: `organoise-test-${randomUUID().slice(0, 8)}-` });
    const wrapped: SearchIndex = {
      upsert: (documents) => index.upsert(documents),
      remove: (refs) => index.remove(refs),
      retainOnly: (scope, keep) => index.retainOnly(scope, keep),
      clear: () => index.clear(),
      search: (query) => index.search(query),
      close: async () => {
        await client.indices.delete({ index: index.index }, { ignore: [404] });
        await client.indices.deleteIndexTemplate({ name: index.index }, { ignore: [404] });
        await client.close();
      },
    };
    return wrapped;
  });
} else {
  describe('SearchIndex contract: ElasticsearchSearchIndex', () => {
    it.skip('skipped: ELASTICSEARCH_URL is not set (no Elasticsearch server here; the request shapes are checked in elasticsearch-shapes.test.ts)', () => {});
  });
}
