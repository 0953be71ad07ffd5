/** Local and OIDC users: create, set the role, disable or enable, reset a password. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { MIN_PASSWORD_LENGTH } from '@pki/shared';

import { ROLE_LABELS } from '../../app/navigation.js';
import { useSignedInUser } from '../../auth/session.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { ROLE_CHOICES } from './role-choices.js';
import { useMutationCall } from './use-mutation-call.js';
import { AdminSection } from './admin-section.js';
import { CreatePrincipalForm } from './create-principal-form.js';
import { Button } from '../../components/button.js';
import { formatInstant } from '../../app/format-instant.js';
import { ChoiceInput, TextInput } from '../../components/form-fields.js';
import { Dialog } from '../../components/dialog.js';
import { EmptyState } from '../../components/empty-state.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { ListView } from '../../components/list-view.js';
import { StateBadge } from '../../components/badge.js';
import { DataCell, DataTable } from '../../components/data-table.js';

function CreateUserForm() {
  const client = useTRPCClient();
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<string | undefined>();
  return (
    <CreatePrincipalForm
      title="Create a user"
      nameLabel="Username"
      submitLabel="Create user"
      failureTitle="The user was not created"
      create={({ name, role }) => client.users.create.mutate({ username: name, role, password })}
      onCreated={(_user, { name }) => {
        setCreated(name);
        setPassword('');
      }}
      outcome={
        created === undefined ? null : (
          <p role="status" className="m-0 text-sm">
            User {created} is created; they must change the password at first sign-in.
          </p>
        )
      }
    >
      <TextInput
        label="First password"
        type="password"
        value={password}
        onChange={setPassword}
        isRequired
        autoComplete="new-password"
        description={`At least ${MIN_PASSWORD_LENGTH} characters; they change it at first sign-in.`}
      />
    </CreatePrincipalForm>
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

const USER_COLUMNS = ['Username', 'Role', 'Status', 'Created', 'Actions'];

export function UsersSection() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const me = useSignedInUser();
  const users = useQuery(trpc.users.list.queryOptions());
  const { call, error } = useMutationCall();
  const [resetting, setResetting] = useState<string | undefined>();

  return (
    <AdminSection
      headingId="users-heading"
      title="Users"
      form={<CreateUserForm />}
      failure={{ title: 'The change was not made', error }}
    >
      <ListView query={users} noun="users" empty={<EmptyState title="No users">Create one above.</EmptyState>}>
        {(data) => (
          <DataTable label="Users" columns={USER_COLUMNS} items={data.map((user) => ({ ...user, id: user.username }))}>
            {(user) => {
              const isMe = user.username === me.username;
              return (
                <>
                  <DataCell className="font-semibold">
                    {user.username}
                    {user.oidcIssuer === null ? null : (
                      <span className="block text-xs font-normal text-ink-muted">OIDC: {user.oidcIssuer}</span>
                    )}
                  </DataCell>
                  <DataCell>
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
                        isLabelHidden
                      />
                    )}
                  </DataCell>
                  <DataCell>
                    <div className="flex flex-col items-start gap-1">
                      <StateBadge state={user.isDisabled ? 'disabled' : 'enabled'} />
                      {user.mustChangePassword ? (
                        <span className="text-xs text-ink-muted">must change password</span>
                      ) : null}
                    </div>
                  </DataCell>
                  <DataCell>{formatInstant(user.createdAt)}</DataCell>
                  <DataCell>
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
                  </DataCell>
                </>
              );
            }}
          </DataTable>
        )}
      </ListView>
      {resetting === undefined ? null : (
        <ResetPasswordDialog username={resetting} onClose={() => setResetting(undefined)} />
      )}
    </AdminSection>
  );
}
