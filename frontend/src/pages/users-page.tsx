/**
 * Users and API tokens (admins): who may sign in and with which role, the tokens machines use,
 * and the dual-control setting.
 */
import { DualControlSettings } from './users/dual-control-settings.js';
import { TokensSection } from './users/tokens-section.js';
import { UsersSection } from './users/users-section.js';
import { PageHeader } from '../components/page-header.js';

export function UsersPage() {
  return (
    <>
      <PageHeader
        title="Users"
        lead="People who sign in to PKI Manager, the API tokens machines use, and dual control."
      />
      <DualControlSettings />
      <UsersSection />
      <TokensSection />
    </>
  );
}
