/** API tokens for machines: created with a role and an expiry, the secret shown once; listed and revoked. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { MAX_TOKEN_LIFETIME_DAYS } from '@pki/shared';

import { ROLE_LABELS } from '../../app/navigation.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { TokenSecret } from './token-secret.js';
import { useMutationCall } from './use-mutation-call.js';
import { AdminSection } from './admin-section.js';
import { CreatePrincipalForm } from './create-principal-form.js';
import { Button } from '../../components/button.js';
import { formatInstant } from '../../app/format-instant.js';
import { TextInput } from '../../components/form-fields.js';
import { EmptyState } from '../../components/empty-state.js';
import { ListView } from '../../components/list-view.js';
import { StateBadge } from '../../components/badge.js';
import { DataCell, DataTable } from '../../components/data-table.js';

function CreateTokenForm() {
  const client = useTRPCClient();
  const [days, setDays] = useState('90');
  const [secret, setSecret] = useState<{ name: string; value: string; expiresAt: string } | undefined>();
  const expiresInDays = Number(days);
  const isDaysValid = Number.isInteger(expiresInDays) && expiresInDays >= 1 && expiresInDays <= MAX_TOKEN_LIFETIME_DAYS;
  return (
    <CreatePrincipalForm
      title="Create an API token"
      nameLabel="Name"
      submitLabel="Create token"
      failureTitle="The token was not created"
      canSubmit={isDaysValid}
      create={({ name, role }) => client.apiTokens.create.mutate({ name, role, expiresInDays })}
      onCreated={(created) => setSecret({ name: created.name, value: created.secret, expiresAt: created.expiresAt })}
      outcome={
        secret === undefined ? null : (
          <TokenSecret
            name={secret.name}
            secret={secret.value}
            expiresAt={secret.expiresAt}
            onDone={() => setSecret(undefined)}
          />
        )
      }
    >
      <TextInput
        label="Expires in (days)"
        type="number"
        value={days}
        onChange={setDays}
        isRequired
        errorMessage={isDaysValid ? undefined : `1 to ${MAX_TOKEN_LIFETIME_DAYS} days`}
        description={`At most ${MAX_TOKEN_LIFETIME_DAYS} days; never above your own role.`}
      />
    </CreatePrincipalForm>
  );
}

const TOKEN_COLUMNS = ['Name', 'Role', 'Created by', 'Expires', 'Last used', 'Actions'];

export function TokensSection() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const tokens = useQuery(trpc.apiTokens.list.queryOptions());
  const { call, error } = useMutationCall();
  return (
    <AdminSection
      headingId="tokens-heading"
      title="API tokens"
      form={<CreateTokenForm />}
      failure={{ title: 'The token was not revoked', error }}
    >
      <ListView
        query={tokens}
        noun="API tokens"
        empty={
          <EmptyState title="No API tokens">
            Create one above for a script or a CI job; it acts with the role you give it.
          </EmptyState>
        }
      >
        {(data) => (
          <DataTable label="API tokens" columns={TOKEN_COLUMNS} items={data}>
            {(token) => (
              <>
                <DataCell className="font-semibold">{token.name}</DataCell>
                <DataCell>{ROLE_LABELS[token.role]}</DataCell>
                <DataCell>{token.createdBy}</DataCell>
                <DataCell>{formatInstant(token.expiresAt)}</DataCell>
                <DataCell>{formatInstant(token.lastUsedAt)}</DataCell>
                <DataCell>
                  {token.revokedAt === null ? (
                    <Button
                      variant="danger"
                      aria-label={`Revoke token ${token.name}`}
                      onPress={() => void call(() => client.apiTokens.revoke.mutate({ id: token.id }))}
                    >
                      Revoke
                    </Button>
                  ) : (
                    <StateBadge state="revoked" label={`revoked ${formatInstant(token.revokedAt)}`} />
                  )}
                </DataCell>
              </>
            )}
          </DataTable>
        )}
      </ListView>
    </AdminSection>
  );
}
