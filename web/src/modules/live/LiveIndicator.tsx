import { Chip } from '@mui/material';
import type { LiveStatus } from '@organoise/client';

const LABELS: Record<LiveStatus, { label: string; color: 'success' | 'default' | 'warning' | 'error' }> = {
  connecting: { label: 'Connecting…', color: 'default' },
  live: { label: 'Live', color: 'success' },
  reconnecting: { label: 'Reconnecting…', color: 'warning' },
  offline: { label: 'Offline: changes will appear when you are back', color: 'warning' },
  failed: { label: 'Live updates stopped', color: 'error' },
};

export function LiveIndicator({ status }: { status: LiveStatus }) {
  const { label, color } = LABELS[status];
  return <Chip size="small" variant="outlined" color={color} label={label} role="status" aria-live="polite" data-live={status} />;
}
