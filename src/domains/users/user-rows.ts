/** The UI session team (`/onboarding/get_token` keys); never listed with a user's keys. */
export const DASHBOARD_TEAM = 'litellm-dashboard';

/** A request as it goes into the audit log: never the password, not even hashed. */
export function auditValues(req: object): Record<string, unknown> {
  const { password, ...rest } = req as Record<string, unknown>;
  return password === undefined ? rest : { ...rest, password: '********' };
}
