/** Run-time settings: dual control (off on a new install). */
import type { AuditLog } from '../audit/audit-log.js';
import type { SettingsRepository } from '../db/settings-repository.js';
import type { UserRepository } from '../db/user-repository.js';
import type { RequestContext } from '../request-context.js';

const DUAL_CONTROL_KEY = 'dualControl';

export interface SettingsView {
  isDualControlEnabled: boolean;
  /** The console suggests dual control once two admins exist. */
  enabledAdminCount: number;
}

export class SettingsService {
  constructor(
    private readonly deps: { settings: SettingsRepository; users: UserRepository; audit: AuditLog; now: () => Date },
  ) {}

  get(): SettingsView {
    return {
      isDualControlEnabled: this.isDualControlEnabled(),
      enabledAdminCount: this.deps.users.countEnabledAdmins(),
    };
  }

  isDualControlEnabled(): boolean {
    const value = this.deps.settings.get(DUAL_CONTROL_KEY) as { isEnabled?: unknown } | undefined;
    return value?.isEnabled === true;
  }

  async setDualControl(ctx: RequestContext, input: { isEnabled: boolean }): Promise<SettingsView> {
    const { audit, settings, now } = this.deps;
    await audit.run(
      ctx,
      { operation: 'settings.setDualControl', entityType: 'setting', entityId: DUAL_CONTROL_KEY, details: input },
      (step) =>
        step.commit(DUAL_CONTROL_KEY, () =>
          settings.set(DUAL_CONTROL_KEY, { isEnabled: input.isEnabled }, ctx.actor, now()),
        ),
    );
    return this.get();
  }
}
