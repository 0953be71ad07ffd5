/**
 * The Certificates section: the inventory at /certificates, detail at /certificates/:id and
 * the issue wizard at /certificates/issue; routes.tsx loads each of the three as its own chunk.
 */
import { Link } from 'react-router';

import { canTake } from '../app/navigation.js';
import { useSignedInUser } from '../auth/session.js';
import { buttonClasses } from '../components/button.js';
import { PageHeader } from '../components/page-header.js';
import { CertificateInventory } from './certificates/certificate-inventory.js';

export function CertificatesPage() {
  const user = useSignedInUser();
  return (
    <div className="space-y-4">
      <PageHeader
        title="Certificates"
        lead="End-entity certificates issued by your certificate authorities."
        actions={
          canTake(user.role, 'issueCertificate') ? (
            <Link className={buttonClasses('primary')} to="/certificates/issue">
              Issue a certificate
            </Link>
          ) : undefined
        }
      />
      <CertificateInventory />
    </div>
  );
}
