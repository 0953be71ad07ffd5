/** API tokens for machines: created with a role and an expiry, the secret shown once; listed and revoked. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';

import { MAX_TOKEN_LIFETIME_DAYS, type UserRole } from '@pki/shared';

import { ROLE_LABELS } from '../../app/navigation.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { ROLE_CHOICES } from './role-choices.js';
import { TokenSecret } from './token-secret.js';
import { useMutationCall } from './use-mutation-call.js';
import { Button } from '../../components/button.js';
import { formatInstant } from '../../app/format-instant.js';
import { ChoiceInput, TextInput } from '../../components/form-fields.js';
import { EmptyState } from '../../components/empty-state.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { QueryView } from '../../components/query-view.js';
import { StateBadge } from '../../components/badge.js';
import { TABLE_CLASSES } from '../../components/table-classes.js';

function CreateTokenForm() {
  const client = useTRPCClient();
  const { call, error, isRunning } = useMutationCall();
  const [name, setName] = useState('');
  const [role, setRole] = useState<UserRole>('operator');
  const [days, setDays] = useState('90');
  const [secret, setSecret] = useState<{ name: string; value: string; expiresAt: string } | undefined>();
  const expiresInDays = Number(days);
  const isDaysValid = Number.isInteger(expiresInDays) && expiresInDays >= 1 && expiresInDays <= MAX_TOKEN_LIFETIME_DAYS;
  return (
    <form
      aria-label="Create an API token"
      className="card mb-4 flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        if (!isDaysValid) return;
        void call(() => client.apiTokens.create.mutate({ name, role, expiresInDays })).then((created) => {
          if (created === undefined) return;
          setSecret({ name: created.name, value: created.secret, expiresAt: created.expiresAt });
          setName('');
        });
      }}
    >
      <h3 className="m-0 text-base">Create an API token</h3>
      <div className="grid gap-3 sm:grid-cols-3">
        <TextInput label="Name" value={name} onChange={setName} isRequired autoComplete="off" />
        <ChoiceInput label="Role" choices={ROLE_CHOICES} value={role} onChange={setRole} />
        <TextInput
          label="Expires in (days)"
          type="number"
          value={days}
          onChange={setDays}
          isRequired
          errorMessage={isDaysValid ? undefined : `1 to ${MAX_TOKEN_LIFETIME_DAYS} days`}
          description={`At most ${MAX_TOKEN_LIFETIME_DAYS} days; never above your own role.`}
        />
      </div>
      {error === undefined ? null : <ApiErrorNotice title="The token was not created" error={error} />}
      {secret === undefined ? null : (
        <TokenSecret
          name={secret.name}
          secret={secret.value}
          expiresAt={secret.expiresAt}
          onDone={() => setSecret(undefined)}
        />
      )}
      <div>
        <Button type="submit" variant="primary" isDisabled={isRunning || !isDaysValid}>
          {isRunning ? 'Creating…' : 'Create token'}
        </Button>
      </div>
    </form>
  );
}

export function TokensSection() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const tokens = useQuery(trpc.apiTokens.list.queryOptions());
  const { call, error } = useMutationCall();
  return (
    <section aria-labelledby="tokens-heading" className="mb-8">
      <h2 id="tokens-heading" className="mb-3 text-lg">
        API tokens
      </h2>
      <CreateTokenForm />
      {error === undefined ? null : <ApiErrorNotice title="The token was not revoked" error={error} />}
      <QueryView
        query={tokens}
        loadingLabel="Loading API tokens"
        errorTitle="The API tokens could not be read"
        isEmpty={(data) => data.length === 0}
        empty={
          <EmptyState title="No API tokens">
            Create one above for a script or a CI job; it acts with the role you give it.
          </EmptyState>
        }
      >
        {(data) => (
          <div className={TABLE_CLASSES.frame}>
            <Table aria-label="API tokens" className={TABLE_CLASSES.table}>
              <TableHeader>
                <Column isRowHeader className={TABLE_CLASSES.column}>
                  Name
                </Column>
                <Column className={TABLE_CLASSES.column}>Role</Column>
                <Column className={TABLE_CLASSES.column}>Created by</Column>
                <Column className={TABLE_CLASSES.column}>Expires</Column>
                <Column className={TABLE_CLASSES.column}>Last used</Column>
                <Column className={TABLE_CLASSES.column}>Actions</Column>
              </TableHeader>
              <TableBody items={data}>
                {(token) => (
                  <Row id={token.id} className={TABLE_CLASSES.row}>
                    <Cell className={`${TABLE_CLASSES.cell} font-semibold`}>{token.name}</Cell>
                    <Cell className={TABLE_CLASSES.cell}>{ROLE_LABELS[token.role]}</Cell>
                    <Cell className={TABLE_CLASSES.cell}>{token.createdBy}</Cell>
                    <Cell className={TABLE_CLASSES.cell}>{formatInstant(token.expiresAt)}</Cell>
                    <Cell className={TABLE_CLASSES.cell}>{formatInstant(token.lastUsedAt)}</Cell>
                    <Cell className={TABLE_CLASSES.cell}>
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
                    </Cell>
                  </Row>
                )}
              </TableBody>
            </Table>
          </div>
        )}
      </QueryView>
    </section>
  );
}
