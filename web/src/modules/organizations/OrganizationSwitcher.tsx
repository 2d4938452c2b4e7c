import { MenuItem, TextField } from '@mui/material';
import { useOrganization } from './current';

export default function OrganizationSwitcher() {
  const { current, all, select } = useOrganization();
  return (
    <TextField
      select
      size="small"
      label="Organization"
      value={current.id}
      onChange={(e) => select(e.target.value)}
      sx={{ minWidth: 180, '& .MuiInputBase-root': { bgcolor: 'background.paper' } }}
      slotProps={{ select: { inputProps: { 'data-testid': 'organization-switcher' } } }}
    >
      {all.map((o) => (
        <MenuItem key={o.id} value={o.id}>
          {o.name}
        </MenuItem>
      ))}
    </TextField>
  );
}
