/** The CA list as a hierarchy: roots (and pending sub-CAs of external roots) at the top. */
import type { CaSummary } from '@pki/shared';

export interface CaTreeNode {
  ca: CaSummary;
  children: CaTreeNode[];
}

export function buildCaTree(cas: readonly CaSummary[]): CaTreeNode[] {
  const nodes = new Map(cas.map((ca) => [ca.id, { ca, children: [] as CaTreeNode[] }]));
  const roots: CaTreeNode[] = [];
  for (const node of nodes.values()) {
    // A parent we cannot see (external root) puts the CA at the top level.
    const parent = node.ca.parentId === null ? undefined : nodes.get(node.ca.parentId);
    (parent?.children ?? roots).push(node);
  }
  const byName = (a: CaTreeNode, b: CaTreeNode) => a.ca.name.localeCompare(b.ca.name);
  const sortDeep = (list: CaTreeNode[]) => {
    list.sort(byName);
    for (const node of list) sortDeep(node.children);
  };
  sortDeep(roots);
  return roots;
}

/** Every id with children, so the tree opens fully expanded (hierarchies are small). */
export function expandableIds(tree: readonly CaTreeNode[]): string[] {
  return tree.flatMap((node) => (node.children.length === 0 ? [] : [node.ca.id, ...expandableIds(node.children)]));
}
