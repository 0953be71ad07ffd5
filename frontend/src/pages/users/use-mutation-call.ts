/** A mutation through the typed client that refreshes the page's lists when it settles, keeping its error for display. */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

export function useMutationCall() {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>();
  const [isRunning, setIsRunning] = useState(false);
  async function call<T>(run: () => Promise<T>): Promise<T | undefined> {
    setIsRunning(true);
    setError(undefined);
    try {
      return await run();
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setIsRunning(false);
      void queryClient.invalidateQueries();
    }
  }
  return { call, error, isRunning, clearError: () => setError(undefined) };
}
