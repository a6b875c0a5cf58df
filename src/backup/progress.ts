export interface Progress {
  region: string;
  total: number;
  done: number;
  failed: number;
}

/**
 * Per-region progress read from Task outputs alone (Discover's `{region, items: count}` and each item's
 * final `{region, done: true, status}`), so the local runner and the deployed-execution follower
 * report the same way.
 */
export class ProgressTracker {
  private readonly regions = new Map<string, Progress>();

  constructor(private readonly onProgress?: (progress: Progress) => void) {}

  observe(output: unknown): void {
    if (!output || typeof output !== 'object') return;
    const result = output as { region?: unknown; items?: unknown; done?: unknown; status?: unknown };
    if (typeof result.region !== 'string') return;
    if (typeof result.items === 'number')
      this.update(result.region, (entry) => (entry.total = result.items as number));
    else if (result.done === true) {
      this.update(result.region, (entry) => {
        entry.done += 1;
        if (result.status === 'failed') entry.failed += 1;
      });
    }
  }

  /**
   * Counts read elsewhere (a deployed run's Map Run: its children's outcomes, DescribeMapRun): they
   * replace what the task outputs said, and are reported only when they change.
   */
  counted(region: string, counts: Omit<Progress, 'region'>): void {
    const entry = this.regions.get(region);
    if (entry && entry.done === counts.done && entry.failed === counts.failed && entry.total === counts.total)
      return;
    this.update(region, (target) => Object.assign(target, counts));
  }

  snapshot(): Progress[] {
    return [...this.regions.values()].map((entry) => ({ ...entry }));
  }

  private update(region: string, change: (entry: Progress) => void): void {
    const entry = this.regions.get(region) ?? { region, total: 0, done: 0, failed: 0 };
    change(entry);
    this.regions.set(region, entry);
    this.onProgress?.({ ...entry });
  }
}
