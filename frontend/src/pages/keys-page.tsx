import { PlannedSection } from './planned-section.js';

export function KeysPage() {
  return (
    <PlannedSection
      title="Keys"
      summary="Key pairs held by the key store. PKI Manager only holds references to them."
      planned={[
        'List every key with its algorithm, purpose, label and KMIP lifecycle state.',
        'Revoke a key with a reason.',
        'Destroy a key after typing its label back as confirmation.',
      ]}
    />
  );
}
