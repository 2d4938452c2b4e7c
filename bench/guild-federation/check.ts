import type { Workload } from './workload.js';

export interface ResponseCheck {
  status: number;
  bytes: number;
  /**
   * Apollo Server ends every JSON body with one newline that expected.json does not have; that
   * whitespace is outside the JSON value and is the only difference tolerated.
   */
  trailingNewline: boolean;
}

/** The body compared with the expected one: null if equal, else where and how they differ. */
export function bodyDifference(body: string, expected: string): string | null {
  const value = body.endsWith('\n') ? body.slice(0, -1) : body;
  if (value === expected) return null;
  let at = 0;
  while (at < value.length && value[at] === expected[at]) at++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, at - 60), at + 60));
  return `${value.length} bytes instead of ${expected.length}; first difference at byte ${at}:\n  got      ${around(value)}\n  expected ${around(expected)}`;
}

/**
 * Sends the workload's operation to a gateway and throws unless the response body equals
 * expected.json byte for byte (one trailing newline aside, see ResponseCheck).
 */
export async function checkGatewayResponse(url: string, workload: Workload): Promise<ResponseCheck> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: workload.body,
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}: ${body.slice(0, 500)}`);
  const difference = bodyDifference(body, workload.expected);
  if (difference) throw new Error(`${url} did not return expected.json: ${difference}`);
  return { status: response.status, bytes: Buffer.byteLength(body), trailingNewline: body.endsWith('\n') };
}
