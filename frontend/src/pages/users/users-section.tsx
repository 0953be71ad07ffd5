/** Local and OIDC users: create, set the role, disable or enable, reset a password. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';

import { MIN_PASSWORD_LENGTH, type UserRole } from '@pki/shared';

import { ROLE_LABELS } from '../../app/navigation.js';
import { useSignedInUser } from '../../auth/session.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { ROLE_CHOICES } from './role-choices.js';
import { useMutationCall } from './use-mutation-call.js';
import { Button } from '../../components/button.js';
import { formatInstant } from '../../app/format-instant.js';
import { ChoiceInput, TextInput } from '../../components/form-fields.js';
import { Dialog } from '../../components/dialog.js';
import { EmptyState } from '../../components/empty-state.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { QueryView } from '../../components/query-view.js';
import { StateBadge } from '../../components/badge.js';
import { TABLE_CLASSES } from '../../components/table-classes.js';

function CreateUserForm() {
  const client = useTRPCClient();
  const { call, error, isRunning } = useMutationCall();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<UserRole>('operator');
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<string | undefined>();
  return (
    <form
      aria-label="Create a user"
      className="card mb-4 flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        void call(() => client.users.create.mutate({ username, role, password })).then((user) => {
          if (user === undefined) return;
          setCreated(username);
          setUsername('');
          setPassword('');
        });
      }}
    >
      <h3 className="m-0 text-base">Create a user</h3>
      <div className="grid gap-3 sm:grid-cols-3">
        <TextInput label="Username" value={username} onChange={setUsername} isRequired autoComplete="off" />
        <ChoiceInput label="Role" choices={ROLE_CHOICES} value={role} onChange={setRole} />
        <TextInput
          label="First password"
          type="password"
          value={password}
          onChange={setPassword}
          isRequired
          autoComplete="new-password"
          description={`At least ${MIN_PASSWORD_LENGTH} characters; they change it at first sign-in.`}
        />
      </div>
      {error === undefined ? null : <ApiErrorNotice title="The user was not created" error={error} />}
      {created === undefined ? null : (
        <p role="status" className="m-0 text-sm">
          User {created} is created; they must change the password at first sign-in.
        </p>
      )}
      <div>
        <Button type="submit" variant="primary" isDisabled={isRunning}>
          {isRunning ? 'Creating…' : 'Create user'}
        </Button>
      </div>
    </form>
  );
}

function ResetPasswordDialog({ username, onClose }: { username: string; onClose: () => void }) {
  const client = useTRPCClient();
  const { call, error, isRunning } = useMutationCall();
  const [password, setPassword] = useState('');
  return (
    <Dialog
      isDismissable
      title={`Reset the password of ${username}`}
      isOpen
      onOpenChange={(isOpen) => (isOpen ? undefined : onClose())}
    >
      <form
        className="flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          void call(() => client.users.resetPassword.mutate({ username, password })).then((result) => {
            if (result !== undefined) onClose();
          });
        }}
      >
        <TextInput
          label="New password"
          type="password"
          value={password}
          onChange={setPassword}
          isRequired
          autoComplete="new-password"
          description="Their sessions end; they must change it at the next sign-in."
        />
        {error === undefined ? null : <ApiErrorNotice title="The password was not reset" error={error} />}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onPress={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isDisabled={isRunning}>
            Reset password
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

export function UsersSection() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const me = useSignedInUser();
  const users = useQuery(trpc.users.list.queryOptions());
  const { call, error } = useMutationCall();
  const [resetting, setResetting] = useState<string | undefined>();

  return (
    <section aria-labelledby="users-heading" className="mb-8">
      <h2 id="users-heading" className="mb-3 text-lg">
        Users
      </h2>
      <CreateUserForm />
      {error === undefined ? null : <ApiErrorNotice title="The change was not made" error={error} />}
      <QueryView
        query={users}
        loadingLabel="Loading users"
        errorTitle="The users could not be read"
        isEmpty={(data) => data.length === 0}
        empty={<EmptyState title="No users">Create one above.</EmptyState>}
      >
        {(data) => (
          <div className={TABLE_CLASSES.frame}>
            <Table aria-label="Users" className={TABLE_CLASSES.table}>
              <TableHeader>
                <Column isRowHeader className={TABLE_CLASSES.column}>
                  Username
                </Column>
                <Column className={TABLE_CLASSES.column}>Role</Column>
                <Column className={TABLE_CLASSES.column}>Status</Column>
                <Column className={TABLE_CLASSES.column}>Created</Column>
                <Column className={TABLE_CLASSES.column}>Actions</Column>
              </TableHeader>
              <TableBody items={data.map((user) => ({ ...user, id: user.username }))}>
                {(user) => {
                  const isMe = user.username === me.username;
                  return (
                    <Row id={user.username} className={TABLE_CLASSES.row}>
                      <Cell className={`${TABLE_CLASSES.cell} font-semibold`}>
                        {user.username}
                        {user.oidcIssuer === null ? null : (
                          <span className="block text-xs font-normal text-ink-muted">OIDC: {user.oidcIssuer}</span>
                        )}
                      </Cell>
                      <Cell className={TABLE_CLASSES.cell}>
                        {isMe ? (
                          ROLE_LABELS[user.role]
                        ) : (
                          <ChoiceInput
                            label={`Role of ${user.username}`}
                            choices={ROLE_CHOICES}
                            value={user.role}
                            onChange={(role) =>
                              void call(() => client.users.setRole.mutate({ username: user.username, role }))
                            }
                            className="[&>label]:sr-only"
                          />
                        )}
                      </Cell>
                      <Cell className={TABLE_CLASSES.cell}>
                        <div className="flex flex-col items-start gap-1">
                          <StateBadge state={user.isDisabled ? 'disabled' : 'enabled'} />
                          {user.mustChangePassword ? (
                            <span className="text-xs text-ink-muted">must change password</span>
                          ) : null}
                        </div>
                      </Cell>
                      <Cell className={TABLE_CLASSES.cell}>{formatInstant(user.createdAt)}</Cell>
                      <Cell className={TABLE_CLASSES.cell}>
                        {isMe ? (
                          <span className="text-ink-muted">you</span>
                        ) : (
                          <div className="flex flex-wrap gap-1">
                            <Button
                              variant="secondary"
                              aria-label={`${user.isDisabled ? 'Enable' : 'Disable'} ${user.username}`}
                              onPress={() =>
                                void call(() =>
                                  user.isDisabled
                                    ? client.users.enable.mutate({ username: user.username })
                                    : client.users.disable.mutate({ username: user.username }),
                                )
                              }
                            >
                              {user.isDisabled ? 'Enable' : 'Disable'}
                            </Button>
                            {user.oidcIssuer === null ? (
                              <Button
                                variant="secondary"
                                aria-label={`Reset the password of ${user.username}`}
                                onPress={() => setResetting(user.username)}
                              >
                                Reset password
                              </Button>
                            ) : null}
                          </div>
                        )}
                      </Cell>
                    </Row>
                  );
                }}
              </TableBody>
            </Table>
          </div>
        )}
      </QueryView>
      {resetting === undefined ? null : (
        <ResetPasswordDialog username={resetting} onClose={() => setResetting(undefined)} />
      )}
    </section>
  );
}
