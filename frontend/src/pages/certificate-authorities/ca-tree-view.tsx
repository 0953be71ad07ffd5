/**
 * The CA hierarchy as an ARIA tree (react-aria Tree): arrow keys move and expand, Enter opens
 * the CA's detail page.
 */
import { useState } from 'react';
import { Button as AriaButton, Tree, TreeItem, TreeItemContent } from 'react-aria-components';
import { useNavigate } from 'react-router';

import type { CaSummary } from '@pki/shared';

import { StateBadge } from '../../components/badge.js';
import { buildCaTree, expandableIds, type CaTreeNode } from './ca-tree.js';
import { describeAlgorithm } from './ca-labels.js';

function CaTreeItem({ node }: { node: CaTreeNode }) {
  const { ca } = node;
  const kind = ca.status === 'pending' ? 'awaiting its certificate' : ca.isRoot ? 'root' : 'intermediate';
  return (
    <TreeItem
      id={ca.id}
      textValue={ca.name}
      className="cursor-pointer rounded-md outline-none data-[focus-visible]:outline-2 data-[focus-visible]:outline-[var(--color-focus)] data-[hovered]:bg-brand-soft"
    >
      <TreeItemContent>
        {({ hasChildItems, isExpanded, level }) => (
          <div
            className="flex min-h-10 flex-wrap items-center gap-2 py-1 pr-2"
            style={{ paddingLeft: `${(level - 1) * 1.5}rem` }}
          >
            {hasChildItems ? (
              <AriaButton
                slot="chevron"
                aria-label={isExpanded ? `Collapse ${ca.name}` : `Expand ${ca.name}`}
                className="inline-flex h-6 w-6 cursor-pointer items-center justify-center rounded border-0 bg-transparent text-ink-muted"
              >
                <span aria-hidden="true">{isExpanded ? '▾' : '▸'}</span>
              </AriaButton>
            ) : (
              <span className="inline-block w-6" aria-hidden="true" />
            )}
            <span className="font-semibold text-ink" data-ca-name>
              {ca.name}
            </span>
            <span className="text-sm text-ink-muted">
              {kind} · {describeAlgorithm(ca.keyAlgorithm)}
            </span>
            <StateBadge state={ca.status} />
          </div>
        )}
      </TreeItemContent>
      {node.children.map((child) => (
        <CaTreeItem key={child.ca.id} node={child} />
      ))}
    </TreeItem>
  );
}

export function CaTreeView({ cas }: { cas: readonly CaSummary[] }) {
  const navigate = useNavigate();
  const tree = buildCaTree(cas);
  // What the person collapsed; everything else is open, so a CA created later shows at once.
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const expandable = expandableIds(tree);
  return (
    <Tree
      aria-label="Certificate authority hierarchy"
      expandedKeys={expandable.filter((id) => !collapsed.has(id))}
      onExpandedChange={(keys) => setCollapsed(new Set(expandable.filter((id) => !keys.has(id))))}
      onAction={(id) => void navigate(`/certificate-authorities/${encodeURIComponent(String(id))}`)}
      className="flex flex-col gap-0.5 rounded-md border border-line bg-panel p-2 outline-none"
    >
      {tree.map((node) => (
        <CaTreeItem key={node.ca.id} node={node} />
      ))}
    </Tree>
  );
}
