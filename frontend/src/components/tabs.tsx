/** react-aria's Tabs with the console's look; the parts keep their react-aria props. */
import {
  Tab as AriaTab,
  TabList as AriaTabList,
  TabPanel as AriaTabPanel,
  type TabListProps,
  type TabPanelProps,
  type TabProps,
} from 'react-aria-components';

export { Tabs } from 'react-aria-components';

export function TabList<T extends object>(props: Omit<TabListProps<T>, 'className'>) {
  return <AriaTabList {...props} className="mb-4 flex gap-1 overflow-x-auto border-b border-line" />;
}

export function Tab(props: Omit<TabProps, 'className'>) {
  return (
    <AriaTab
      {...props}
      className="-mb-px cursor-pointer border-b-2 border-transparent px-3 py-2 font-semibold text-ink-muted outline-none data-[focus-visible]:outline-2 data-[focus-visible]:outline-[var(--color-focus)] data-[hovered]:text-ink data-[selected]:border-brand data-[selected]:text-ink"
    />
  );
}

export function TabPanel(props: Omit<TabPanelProps, 'className'>) {
  return <AriaTabPanel {...props} className="outline-none" />;
}
