/** CIDRs typed one per line or separated by commas or spaces; the API checks each (BAD_USER_INPUT names the bad one). */
export const parseCidrs = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((cidr) => cidr.trim())
    .filter(Boolean);
