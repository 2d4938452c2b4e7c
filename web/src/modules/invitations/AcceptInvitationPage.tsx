import { useApolloClient, useMutation } from '@apollo/client/react';
import { Button, Stack, Typography } from '@mui/material';
import { AcceptInvitationDocument } from '@organoise/client';
import { useEffect } from 'react';
import { navigate } from '../../app/router';
import { AuthCard } from '../../ui/AuthCard';
import { ActionError } from '../../ui/states';
import { rememberOrganization } from '../organizations/context';
import { forgetInvitation } from './pending';

/**
 * An invitation link, signed in: accepting makes this person a member with the invited role and
 * opens that organization. Outside the organization shell: an invitee may belong to none yet.
 */
export default function AcceptInvitationPage({ token }: { token: string }) {
  const client = useApolloClient();
  const [accept, accepting] = useMutation(AcceptInvitationDocument);
  useEffect(forgetInvitation, []);
  const submit = async () => {
    const result = await accept({ variables: { token } }).catch(() => null);
    const organization = result?.data?.acceptInvitation.organization;
    if (organization) {
      // The organization list is read again when the shell opens: it now includes this one.
      client.cache.evict({ id: 'ROOT_QUERY', fieldName: 'organizations' });
      rememberOrganization(organization.id);
      navigate('/', { replace: true });
    }
  };
  return (
    <AuthCard title="You are invited">
      <Stack spacing={2}>
        <Typography>Accept the invitation to join the organization that sent it, with the role it gives you.</Typography>
        <ActionError error={accepting.error} />
        <Button variant="contained" onClick={() => void submit()} disabled={accepting.loading}>
          Accept invitation
        </Button>
        <Button onClick={() => navigate('/', { replace: true })}>Not now</Button>
      </Stack>
    </AuthCard>
  );
}
