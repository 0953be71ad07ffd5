/**
 * Inputs and outputs of the access-control procedures (auth, users, apiTokens, approvals,
 * settings). Passwords are checked for length here and against the common-password list
 * on the server (auth/password-policy.ts), which needs the list.
 */
import { z } from 'zod';

import { APPROVAL_STATUSES, USER_ROLES } from './enums.js';

/** Long enough that a common-password list plus rate limiting leaves guessing hopeless. */
export const MIN_PASSWORD_LENGTH = 12;
/** scrypt hashes whatever it is given; a cap keeps one request from costing minutes. */
export const MAX_PASSWORD_LENGTH = 256;

export const UsernameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'letters, digits, ".", "_", "@" or "-", starting with a letter or digit');

/** A new password: the length rules; the common-password check is the server's. */
export const NewPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH);

export const SignInInput = z.object({
  username: z.string().trim().min(1).max(64),
  // Not NewPasswordSchema: a wrong password of any length gets the same answer.
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});
export type SignInInput = z.infer<typeof SignInInput>;

export const ChangePasswordInput = z.object({
  currentPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  newPassword: NewPasswordSchema,
});
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

export const SignedInUserSchema = z.object({
  username: z.string(),
  role: z.enum(USER_ROLES),
  mustChangePassword: z.boolean(),
});
export type SignedInUser = z.infer<typeof SignedInUserSchema>;

export const CreateUserInput = z.object({
  username: UsernameSchema,
  role: z.enum(USER_ROLES),
  password: NewPasswordSchema,
});
export type CreateUserInput = z.infer<typeof CreateUserInput>;

export const UserRefInput = z.object({ username: UsernameSchema });
export type UserRefInput = z.infer<typeof UserRefInput>;

export const SetUserRoleInput = z.object({ username: UsernameSchema, role: z.enum(USER_ROLES) });
export type SetUserRoleInput = z.infer<typeof SetUserRoleInput>;

export const ResetPasswordInput = z.object({ username: UsernameSchema, password: NewPasswordSchema });
export type ResetPasswordInput = z.infer<typeof ResetPasswordInput>;

export const UserSummarySchema = z.object({
  username: z.string(),
  role: z.enum(USER_ROLES),
  isDisabled: z.boolean(),
  mustChangePassword: z.boolean(),
  /** The OpenID issuer of an OIDC user; null for a local one. */
  oidcIssuer: z.string().nullable(),
  createdAt: z.string(),
});
export type UserSummary = z.infer<typeof UserSummarySchema>;

/** At most a year: a token that outlives its purpose is a standing credential. */
export const MAX_TOKEN_LIFETIME_DAYS = 365;

export const CreateApiTokenInput = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(USER_ROLES),
  expiresInDays: z.number().int().min(1).max(MAX_TOKEN_LIFETIME_DAYS),
});
export type CreateApiTokenInput = z.infer<typeof CreateApiTokenInput>;

export const ApiTokenRefInput = z.object({ id: z.string().min(1).max(64) });
export type ApiTokenRefInput = z.infer<typeof ApiTokenRefInput>;

export const ApiTokenSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(USER_ROLES),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiTokenSummary = z.infer<typeof ApiTokenSummarySchema>;

export const ApprovalRefInput = z.object({ id: z.string().min(1).max(64) });
export type ApprovalRefInput = z.infer<typeof ApprovalRefInput>;

export const DecideApprovalInput = z.object({
  id: z.string().min(1).max(64),
  comment: z.string().trim().min(1).max(500).optional(),
});
export type DecideApprovalInput = z.infer<typeof DecideApprovalInput>;

export const ListApprovalsInput = z.object({ status: z.enum(APPROVAL_STATUSES).optional() }).default({});
export type ListApprovalsInput = z.input<typeof ListApprovalsInput>;

export const ApprovalSummarySchema = z.object({
  id: z.string(),
  /** The procedure it stands for, e.g. `keys.destroy`. */
  operation: z.string(),
  /** The exact input that approval executes. */
  input: z.unknown(),
  status: z.enum(APPROVAL_STATUSES),
  requestedBy: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  comment: z.string().nullable(),
  /** Why execution failed after approval (error code), when it did. */
  errorCode: z.string().nullable(),
});
export type ApprovalSummary = z.infer<typeof ApprovalSummarySchema>;

export const SetDualControlInput = z.object({ isEnabled: z.boolean() });
export type SetDualControlInput = z.infer<typeof SetDualControlInput>;
