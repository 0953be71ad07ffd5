import { USER_ROLES } from '@pki/shared';

import { ROLE_LABELS } from '../../app/navigation.js';

export const ROLE_CHOICES = USER_ROLES.map((role) => ({ id: role, label: ROLE_LABELS[role] }));
