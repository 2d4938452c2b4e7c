/**
 * An invitation link opened while signed out: its token waits in this tab until the person has
 * signed in or created an account, then the app opens the link again to accept it.
 */
const PENDING_KEY = 'organoise.invitation';
export const INVITATION_PATTERN = '/invitations/:token';

export const rememberInvitation = (token: string) => sessionStorage.setItem(PENDING_KEY, token);
export const forgetInvitation = () => sessionStorage.removeItem(PENDING_KEY);
export function pendingInvitationPath(): string | null {
  const token = sessionStorage.getItem(PENDING_KEY);
  return token ? `/invitations/${encodeURIComponent(token)}` : null;
}
