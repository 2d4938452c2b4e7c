import { graphql } from '../gql';

/** The dashboard's first read: the last hour's activity of one organization. */
export const DashboardDocument = graphql(`
  query Dashboard($organizationId: ID!, $from: DateTime!) {
    organization(id: $organizationId) {
      id
      activity(from: $from, bucket: HOUR) {
        ...DashboardCounters
      }
    }
  }
`);

/** The dashboard's counters (Dashboard, and FirstScreen for the first paint). */
export const DashboardCountersFragment = graphql(`
  fragment DashboardCounters on OrganizationActivity {
    activeUsers
    eventCount
    totals {
      type
      count
    }
  }
`);

/** The dashboard's counters over a sliding window, pushed as events arrive. */
export const LiveMetricsDocument = graphql(`
  subscription LiveMetrics($organizationId: ID!, $windowSeconds: Int!, $after: String) {
    liveMetrics(organizationId: $organizationId, windowSeconds: $windowSeconds, after: $after) {
      cursor
      at
      total
      counts {
        type
        count
      }
    }
  }
`);

export const IngestEventsDocument = graphql(`
  mutation IngestEvents($input: IngestEventsInput!) {
    ingestEvents(input: $input) {
      accepted
    }
  }
`);

/** The dashboard's chart of a day of activity, by hour and type. */
export const DashboardSeriesDocument = graphql(`
  query DashboardSeries($organizationId: ID!, $from: DateTime!) {
    organization(id: $organizationId) {
      id
      activity(from: $from, bucket: HOUR) {
        series {
          bucketStart
          type
          count
        }
      }
    }
  }
`);
