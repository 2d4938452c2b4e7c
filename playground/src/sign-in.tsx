import { useHeadersEditorState, type GraphiQLPlugin } from '@graphiql/react';
import { getOperationAST, parse, print } from 'graphql';
import { useState, type FormEvent } from 'react';
import signInOperation from '../../schema/operations/playground.graphql?raw';
import './sign-in.css';

/**
 * A sign-in panel in GraphiQL's sidebar: it runs signIn against the gateway the page came from
 * (with the second-factor step when the account has one) and writes the access token into the
 * Headers tab, which both HTTP requests and graphql-ws (connection_init) take it from. Nobody
 * copies tokens by hand. The token lives in the headers editor only (headers are not persisted).
 */

/**
 * The panel's one operation, in the safelist (schema/operations/playground.graphql), sent as the
 * list prints it: a gateway that enforces the safelist (SAFELIST=enforce, production's default)
 * runs it, while the operations typed in the editor run there only when listed (the refusal,
 * OPERATION_NOT_ALLOWED, shows in the response pane): the playground does not go around the list.
 */
const SIGN_IN = print(getOperationAST(parse(signInOperation), 'PlaygroundSignIn')!);

type Answer = { data?: { signIn?: { accessToken: string; expiresAt: string; user: { name: string; email: string } } } | null; errors?: { message: string; extensions?: { code?: string } }[] };

/** Sentences a person understands, by the catalogued code (docs/errors.md). */
const MESSAGES: Record<string, string> = {
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  SECOND_FACTOR_REQUIRED: 'This account has two-factor authentication: enter the code from your app, or a recovery code.',
  TOO_MANY_ATTEMPTS: 'Too many attempts: wait a moment, then try again.',
  RATE_LIMITED: 'Too many requests: wait a moment, then try again.',
  EMAIL_NOT_VERIFIED: 'Verify your email address first (the link is in your inbox).',
  BAD_USER_INPUT: 'Check the email and password fields.',
  OPERATION_NOT_ALLOWED: 'This gateway runs only listed operations (SAFELIST=enforce), and its list lacks this panel\'s sign-in: run `npm run generate` and restart the gateway with the new schema/safelist.json.',
};

function SignInPanel() {
  const [headers, setHeaders] = useHeadersEditorState();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [signedIn, setSignedIn] = useState<{ name: string; email: string; expiresAt: string } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const second = needsCode && code.trim() ? (/^\d{6}$/.test(code.trim()) ? { totpCode: code.trim() } : { recoveryCode: code.trim() }) : {};
      const response = await fetch(`${window.location.origin}${window.location.pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: SIGN_IN, variables: { i: { email, password, ...second } } }),
      });
      const answer = (await response.json()) as Answer;
      const signIn = answer.data?.signIn;
      if (signIn) {
        setHeaders(JSON.stringify({ ...parsed(headers), Authorization: `Bearer ${signIn.accessToken}` }, null, 2));
        setSignedIn({ ...signIn.user, expiresAt: signIn.expiresAt });
        setPassword('');
        setCode('');
        setNeedsCode(false);
        return;
      }
      const codeOf = answer.errors?.[0]?.extensions?.code ?? '';
      if (codeOf === 'SECOND_FACTOR_REQUIRED') setNeedsCode(true);
      setMessage(`${MESSAGES[codeOf] ?? answer.errors?.[0]?.message ?? `The gateway answered ${response.status}.`}${codeOf ? ` (${codeOf})` : ''}`);
    } catch {
      setMessage('The gateway could not be reached.');
    } finally {
      setBusy(false);
    }
  };

  const signOut = () => {
    const { Authorization: _dropped, authorization: _also, ...rest } = parsed(headers);
    setHeaders(Object.keys(rest).length ? JSON.stringify(rest, null, 2) : '');
    setSignedIn(null);
  };

  if (signedIn) {
    return (
      <section aria-label="Signed in" className="organoise-sign-in">
        <h2>Signed in</h2>
        <p>
          As <strong>{signedIn.name}</strong> ({signedIn.email}). The token is in the Headers tab until{' '}
          {new Date(signedIn.expiresAt).toLocaleTimeString()}; queries and subscriptions carry it.
        </p>
        <button type="button" className="graphiql-button" onClick={signOut}>
          Sign out
        </button>
      </section>
    );
  }
  return (
    <form aria-label="Sign in" className="organoise-sign-in" onSubmit={submit}>
      <h2>Sign in</h2>
      <label>
        Email
        <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        Password
        <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      {needsCode && (
        <label>
          Code from your app, or a recovery code
          <input autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
        </label>
      )}
      {message && <p role="alert">{message}</p>}
      <button type="submit" className="graphiql-button" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function parsed(headers: string): Record<string, string> {
  try {
    const value = JSON.parse(headers) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function KeyIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <circle cx="8" cy="15" r="4" />
      <path d="M11 12l9-9M16 7l3 3M14 9l2 2" />
    </svg>
  );
}

export const signInPlugin: GraphiQLPlugin = { title: 'Sign in', icon: KeyIcon, content: SignInPanel };
