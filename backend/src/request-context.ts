/**
 * Who asked and under which request: carried from the HTTP edge through the tRPC context
 * into every service call, and from there into every audit row.
 */
export interface RequestContext {
  /** The authenticated principal; "anonymous" until sign-in lands, "system" for boot-time work. */
  actor: string;
  requestId: string;
}

export const SYSTEM_CONTEXT: RequestContext = Object.freeze({ actor: 'system', requestId: 'boot' });
