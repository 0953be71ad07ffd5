// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react';
import { Component, type ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { lazyPage } from './lazy-page.js';

afterEach(cleanup);

const ChunkPage = () => <h1>Loaded page</h1>;

class CatchError extends Component<{ children: ReactNode }, { message?: string }> {
  override state: { message?: string } = {};
  static getDerivedStateFromError(error: Error) {
    return { message: error.message };
  }
  override render() {
    return this.state.message === undefined ? this.props.children : <p role="alert">{this.state.message}</p>;
  }
}

describe('lazyPage', () => {
  it('shows the skeleton until the chunk arrives, then the page', async () => {
    let arrive: (module: { ChunkPage: typeof ChunkPage }) => void = () => {};
    const page = lazyPage(
      () => new Promise<{ ChunkPage: typeof ChunkPage }>((resolve) => (arrive = resolve)),
      (module) => module.ChunkPage,
    );
    render(page.element);
    expect(screen.queryByRole('heading', { name: 'Loaded page' })).toBeNull();
    await act(async () => arrive({ ChunkPage }));
    expect(screen.getByRole('heading', { name: 'Loaded page' })).toBeTruthy();
  });

  it('draws a preloaded page in its first render, and downloads the chunk once', async () => {
    const load = vi.fn(() => Promise.resolve({ ChunkPage }));
    const page = lazyPage(load, (module) => module.ChunkPage);
    page.preload();
    await act(async () => {});
    render(page.element);
    // Synchronously present: no skeleton frame, no suspended reveal to wait for.
    expect(screen.getByRole('heading', { name: 'Loaded page' })).toBeTruthy();
    page.preload();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reports a failed download to the error boundary, and tries again on the next visit', async () => {
    const load = vi
      .fn<() => Promise<{ ChunkPage: typeof ChunkPage }>>()
      .mockRejectedValueOnce(new Error('chunk unreachable'))
      .mockResolvedValueOnce({ ChunkPage });
    const page = lazyPage(load, (module) => module.ChunkPage);
    // React reports an error its boundary caught on the console; this one is expected.
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failed = render(<CatchError>{page.element}</CatchError>);
    await act(async () => {});
    expect(screen.getByRole('alert').textContent).toBe('chunk unreachable');
    consoleError.mockRestore();
    failed.unmount();

    render(page.element);
    await act(async () => {});
    expect(screen.getByRole('heading', { name: 'Loaded page' })).toBeTruthy();
    expect(load).toHaveBeenCalledTimes(2);
  });
});
