import { PlannedSection } from './planned-section.js';

export function UsersPage() {
  return (
    <PlannedSection
      title="Users"
      summary="Who may sign in, with which role, and the API tokens machines use."
      planned={[
        { text: 'Create users, set their role, disable them and reset their passwords.' },
        { text: 'Create API tokens with a role and an expiry, shown once with a copy button; list and revoke them.' },
      ]}
    />
  );
}
