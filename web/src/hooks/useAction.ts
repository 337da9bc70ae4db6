import { useState } from 'preact/hooks';
import { describeError } from '../api';

/** One action a screen runs (save, make, confirm): busy while it runs, its failure in words. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  /** Runs `f`; a failure is shown (after `failed:` when given) and answers false. */
  async function run(f: () => Promise<void>, failed?: string): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await f();
      return true;
    } catch (e) {
      setError(failed ? `${failed}: ${describeError(e)}` : describeError(e));
      return false;
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, setError, run };
}
