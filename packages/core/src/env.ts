import { z } from 'zod';

/**
 * Parses a service's settings. Only each service's own `env.ts` passes `process.env` in
 * (scripts/lint-architecture.ts enforces it), so every setting is declared and validated once.
 */
export function parseEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
  throw new Error(`Invalid settings:\n${lines}`);
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const optionalUrl = () =>
  z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== '' ? v : undefined))
    .pipe(z.string().url().optional());
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1'));

/**
 * A comma-separated list of web origins (`https://app.example.com,http://localhost:5173`), as a
 * browser sends them in `Origin`: unset stays undefined (the caller's default), empty is none.
 * A path, `*` or anything but http(s) is refused: an allow-list names each origin.
 */
export const originList = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const origins: string[] = [];
      for (const item of v.split(',').map((s) => s.trim()).filter(Boolean)) {
        let origin: string | null = null;
        try {
          const url = new URL(item);
          if ((url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search && !url.hash && !url.username) origin = url.origin;
        } catch {
          // refused below
        }
        if (!origin) ctx.addIssue({ code: 'custom', message: `not an origin (scheme://host[:port]): ${item}` });
        else origins.push(origin);
      }
      return origins;
    });
