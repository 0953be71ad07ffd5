/**
 * Users and API tokens (admins): who may sign in and with which role, the tokens machines use,
 * and the dual-control setting.
 */
import { pageTitle } from '../app/navigation.js';
import { PageIntro } from '../features/admin-kit/query-state.js';
import { DualControlSettings } from './users/dual-control-settings.js';
import { TokensSection } from './users/tokens-section.js';
import { UsersSection } from './users/users-section.js';

export function UsersPage() {
  return (
    <>
      <title>{pageTitle('Users')}</title>
      <PageIntro
        title="Users"
        lead="People who sign in to PKI Manager, the API tokens machines use, and dual control."
      />
      <DualControlSettings />
      <UsersSection />
      <TokensSection />
    </>
  );
}
