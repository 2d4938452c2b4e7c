import { Session } from '@organoise/client';
import { browserTokenStore } from '../modules/auth/storage';
import { takeBootRefresh } from './boot';

// The app is served by the gateway itself: the API is on this origin.
export const API_URL = new URL('/graphql', window.location.href).href;
// Persisted operations (docs/decisions/0010): the built app sends only hashes; only the
// development server (`npm run dev`) falls back to text for an operation the gateway does not list yet.
export const SEND_TEXT = import.meta.env.DEV;
export const session = new Session({ url: API_URL, store: browserTokenStore(), sendText: SEND_TEXT });
// The refresh may be on its way already: the page's boot script sent it (./boot.ts).
void session.restore(takeBootRefresh());
