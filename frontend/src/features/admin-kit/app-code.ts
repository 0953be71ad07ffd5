/** Our stable error code (`data.appCode`, set by the backend's errorFormatter), never the message. */
export function appCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('data' in error)) return undefined;
  const { data } = error as { data?: { appCode?: unknown } | null };
  return typeof data?.appCode === 'string' ? data.appCode : undefined;
}

/** Dual control stored the request instead of running it: a second admin must approve it. */
export function isApprovalRequired(error: unknown): boolean {
  return appCodeOf(error) === 'APPROVAL_REQUIRED';
}
