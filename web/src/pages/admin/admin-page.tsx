import type { ReactNode } from 'react';
import type { Capabilities, WhoAmI } from '../../api/session';
import { useWhoAmI } from '../../auth/auth-context';
import { ErrorMessage } from '../../components/status';
import { adminSections, hrefs, type AdminSection } from '../../router/routes';
import { AuditSection } from './audit-section';
import { PermissionsSection } from './permissions-section';
import { SecretsSection } from './secrets-section';
import { TokensSection } from './tokens-section';
import { UsersSection } from './users-section';

const titles: Record<AdminSection, string> = {
  users: 'Users',
  tokens: 'API tokens',
  permissions: 'Permissions',
  audit: 'Audit log',
  secrets: 'Secrets',
};

/** Whether the signed-in user may use a section (the server enforces it again on every call). */
export function mayOpen(section: AdminSection, who: WhoAmI | undefined): boolean {
  if (who === undefined) return false;
  const c: Capabilities = who.capabilities;
  switch (section) {
    case 'users':
    case 'permissions':
      return c.manageUsers;
    case 'tokens':
      // Tokens belong to users: there are none with authentication off.
      return who.authEnabled;
    case 'audit':
      return c.readAuditLog;
    case 'secrets':
      return c.manageSecrets;
  }
}

/**
 * Administration (auth on), one section per tab: users, API tokens, permissions, the audit log, secrets. Tabs
 * the user may not use are not offered. Loaded on demand (its own bundle chunk).
 */
export default function AdminPage({
  section,
  query,
}: {
  section: AdminSection;
  query: URLSearchParams;
}): ReactNode {
  const who = useWhoAmI();
  const open = adminSections.filter((s) => mayOpen(s, who));
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">{titles[section]}</h1>
      <nav aria-label="Administration" className="tabs">
        {open.map((s) => (
          <a key={s} href={hrefs.admin(s)} aria-current={s === section ? 'page' : undefined}>
            {titles[s]}
          </a>
        ))}
      </nav>
      {who !== undefined && !mayOpen(section, who) && (
        <ErrorMessage
          message={
            who.authEnabled
              ? `You do not have permission to open ${titles[section].toLowerCase()}.`
              : `Authentication is off on this server: there are no ${titles[section].toLowerCase()} to administer.`
          }
        />
      )}
      {who !== undefined && mayOpen(section, who) && <Section section={section} who={who} query={query} />}
    </section>
  );
}

function Section({
  section,
  who,
  query,
}: {
  section: AdminSection;
  who: WhoAmI;
  query: URLSearchParams;
}): ReactNode {
  switch (section) {
    case 'users':
      return <UsersSection self={who.user?.username ?? ''} />;
    case 'tokens':
      return <TokensSection who={who} query={query} />;
    case 'permissions':
      return <PermissionsSection query={query} />;
    case 'audit':
      return <AuditSection query={query} />;
    case 'secrets':
      return <SecretsSection query={query} />;
  }
}
