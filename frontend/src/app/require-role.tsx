import type { ReactNode } from 'react';

import { useSignedInUser } from '../auth/session.js';
import { ForbiddenPage } from '../pages/forbidden-page.js';
import { isSectionAllowed } from './navigation.js';

/** A section reached by its address still follows the role: the page says it is not offered. */
export function RequireRole({ path, children }: { path: string; children: ReactNode }) {
  const user = useSignedInUser();
  return isSectionAllowed(path, user.role) ? children : <ForbiddenPage role={user.role} />;
}
