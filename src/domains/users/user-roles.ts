/** What `GET /user/available_roles` describes (the roles an admin can give a user). */
export const AVAILABLE_ROLES = {
  proxy_admin: {
    description: 'Can create, update and delete keys, users, teams and models for the whole proxy',
    ui_label: 'Admin (All Permissions)',
  },
  proxy_admin_viewer: {
    description: 'Can view every key, user, team and spend report, and change nothing',
    ui_label: 'Admin (View Only)',
  },
  internal_user: {
    description: 'Can create, view and delete their own keys and view their own spend',
    ui_label: 'Internal User (Create/Delete/View)',
  },
  internal_user_viewer: {
    description: 'Can view their own keys and spend, and change nothing',
    ui_label: 'Internal User (View Only)',
  },
} as const;
