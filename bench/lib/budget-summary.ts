import type { ExecutionBudget } from '../../src/local/history.js';

/** What one run's executions used, per kind of item (children) and for the parent. */
export interface BudgetSummary {
  parent: { events: number; maxPayloadBytes: number; maxPayloadAt: string };
  children: number;
  byKind: Record<
    string,
    { children: number; maxEvents: number; maxPayloadBytes: number; maxPayloadAt: string }
  >;
}

/** The per-execution figures of a run, summed up (bench/child.ts sends this to lib/sections/budgets.ts). */
export function summarizeBudgets(executions: ExecutionBudget[]): BudgetSummary {
  const [parent, ...children] = executions;
  const byKind: BudgetSummary['byKind'] = {};
  for (const child of children) {
    const group = child.group ?? 'other';
    const entry = byKind[group] ?? { children: 0, maxEvents: 0, maxPayloadBytes: 0, maxPayloadAt: '' };
    byKind[group] = entry;
    entry.children += 1;
    entry.maxEvents = Math.max(entry.maxEvents, child.events);
    if (child.maxPayloadBytes > entry.maxPayloadBytes) {
      entry.maxPayloadBytes = child.maxPayloadBytes;
      entry.maxPayloadAt = child.maxPayloadAt;
    }
  }
  return {
    parent: {
      events: parent?.events ?? 0,
      maxPayloadBytes: parent?.maxPayloadBytes ?? 0,
      maxPayloadAt: parent?.maxPayloadAt ?? '',
    },
    children: children.length,
    byKind,
  };
}
