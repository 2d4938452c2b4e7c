/** Six digits are an authenticator code; anything else is one of the recovery codes. */
export const secondFactorInput = (code: string): { totpCode: string } | { recoveryCode: string } => {
  const trimmed = code.replace(/\s+/g, '');
  return /^\d{6}$/.test(trimmed) ? { totpCode: trimmed } : { recoveryCode: code.trim() };
};
