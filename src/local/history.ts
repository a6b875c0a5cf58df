/**
 * What one deployed Step Functions execution would record, counted from the events of a local run
 * (aws-local-stepfunctions). AWS bills and limits each execution separately: at most 25,000 events
 * in a Standard execution's history and 256 KiB per state input or output. The translation follows
 * histories AWS recorded (LocalStack's AWS-validated snapshots of get_execution_history):
 *   execution start and end                               1 each
 *   Task (function ARN or lambda:invoke)                  Entered, Scheduled, Started, Succeeded, Exited: 5;
 *                                                         a retried attempt adds Failed, Scheduled, Started;
 *                                                         a caught failure ends Failed, Exited; an uncaught one Failed
 *   Choice, Pass, Succeed, Wait                           Entered, Exited: 2; Fail: Entered only
 *   inline Map                                            Entered, Started, Succeeded, Exited + 2 per iteration
 *   Distributed Map (in the parent)                       Entered, Started, MapRunStarted, MapRunSucceeded,
 *                                                         Succeeded, Exited: 6 whatever the item count; each
 *                                                         child is an execution with its own history
 * `transitions` counts entered states: what Standard workflows are billed for.
 */

/** The Step Functions quotas a run is measured against. */
export const HISTORY_EVENT_QUOTA = 25_000;
export const PAYLOAD_QUOTA_BYTES = 256 * 1024;

/** What one execution used of its quotas. */
export interface ExecutionBudget {
  /** `parent`, or `<map state>#<map run>/<child index>`. */
  label: string;
  /** For a child that runs one item: the item's kind (`item.kind` of its input). */
  group?: string;
  events: number;
  transitions: number;
  /** The largest state input, state output, task parameters or task result, in UTF-8 bytes. */
  maxPayloadBytes: number;
  /** Where that payload was seen (`<state> input`, `<state> output`, …). */
  maxPayloadAt: string;
  failed: boolean;
  /** Set when the library lost events (the count is then a lower bound). */
  warning?: string;
}

/** The parts of aws-local-stepfunctions' event log entries this reads. */
export interface LocalEvent {
  type: string;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  index?: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
}

/** How a state is recorded: a Task replacing a Distributed Map (see distributed-map.ts) is a DistributedMap. */
export type StateKind =
  | 'Task'
  | 'DistributedMap'
  | 'Map'
  | 'Parallel'
  | 'Choice'
  | 'Pass'
  | 'Succeed'
  | 'Fail'
  | 'Wait';

export const payloadBytes = (value: unknown): number =>
  value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

interface Visit {
  caught?: boolean;
  /** Index in `events` of a Map/Parallel failure that becomes `*StateStarted` if a retry follows. */
  failedAt?: number;
}

export class HistoryRecorder {
  private readonly events: string[] = [];
  private transitions = 0;
  private maxPayloadBytes = 0;
  private maxPayloadAt = '';
  private failed = false;
  private readonly open = new Map<string, Visit>();

  constructor(
    readonly label: string,
    private readonly kindOf: (stateName: string, stateType: string) => StateKind,
    readonly group?: string,
  ) {}

  /** Records the size of a payload the deployed execution would carry. */
  payload(where: string, value: unknown): void {
    const bytes = payloadBytes(value);
    if (bytes > this.maxPayloadBytes) {
      this.maxPayloadBytes = bytes;
      this.maxPayloadAt = where;
    }
  }

  observe(event: LocalEvent): void {
    this.events.push(...this.translate(event));
  }

  /** The AWS history events one local event stands for (see the module comment). */
  private translate(event: LocalEvent): string[] {
    const state = event.state;
    const kind = state ? this.kindOf(state.name, state.type) : undefined;
    const key = `${event.index ?? ''}|${state?.name ?? ''}`;
    const visit = this.open.get(key) ?? {};
    switch (event.type) {
      case 'ExecutionStarted':
        this.payload('execution input', event.input);
        return ['ExecutionStarted'];
      case 'ExecutionSucceeded':
        this.payload('execution output', event.output);
        return ['ExecutionSucceeded'];
      case 'ExecutionFailed':
      case 'ExecutionTimeout':
      case 'ExecutionAborted':
        this.failed = true;
        return [event.type === 'ExecutionTimeout' ? 'ExecutionTimedOut' : event.type];
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        return [event.type];
      case 'StateEntered':
        this.transitions += 1;
        this.payload(`${state?.name} input`, state?.input);
        this.open.set(key, {});
        return entered(kind);
      case 'StateFailed':
        return this.stateFailed(kind, event, key, visit);
      case 'StateRetried':
        return this.retried(kind, visit);
      case 'StateCaught':
        this.open.set(key, { ...visit, caught: true });
        return [];
      case 'StateExited':
        this.payload(`${state?.name} output`, state?.output);
        this.open.delete(key);
        return exited(kind, visit.caught === true);
      default:
        // Parallel branch events have no counterpart in an AWS history.
        return [];
    }
  }

  private stateFailed(kind: StateKind | undefined, event: LocalEvent, key: string, visit: Visit): string[] {
    if (kind === 'Task') return [event.Error === 'States.Timeout' ? 'TaskTimedOut' : 'TaskFailed'];
    if (kind !== 'DistributedMap' && kind !== 'Map' && kind !== 'Parallel') {
      // A Pass, Choice or Fail that fails at runtime records nothing before ExecutionFailed.
      return [];
    }
    const recorded = kind === 'DistributedMap' ? ['MapRunFailed', 'MapStateFailed'] : [`${kind}StateFailed`];
    this.open.set(key, { ...visit, failedAt: this.events.length + recorded.length - 1 });
    return recorded;
  }

  private retried(kind: StateKind | undefined, visit: Visit): string[] {
    if (kind === 'Task') return ['TaskScheduled', 'TaskStarted'];
    if (visit.failedAt === undefined) return [];
    // A retried Map or Parallel starts again: its failure event reads *StateStarted in AWS.
    this.events[visit.failedAt] = kind === 'Parallel' ? 'ParallelStateStarted' : 'MapStateStarted';
    visit.failedAt = undefined;
    return kind === 'DistributedMap' ? ['MapRunStarted'] : [];
  }

  /** The figures of the finished execution. */
  budget(): ExecutionBudget {
    // The library forwards nested inline-Map events without awaiting them; an unbalanced history
    // means events were lost and the count is a lower bound (keep inline Maps one level deep).
    const warning =
      !this.failed && this.open.size ? `lost events of ${[...this.open.keys()].join(', ')}` : undefined;
    return {
      label: this.label,
      ...(this.group ? { group: this.group } : {}),
      events: this.events.length,
      transitions: this.transitions,
      maxPayloadBytes: this.maxPayloadBytes,
      maxPayloadAt: this.maxPayloadAt,
      failed: this.failed,
      ...(warning ? { warning } : {}),
    };
  }

  /** The event types in order (tests compare them with recorded AWS histories). */
  history(): string[] {
    return [...this.events];
  }
}

function entered(kind: StateKind | undefined): string[] {
  if (kind === 'Task') return ['TaskStateEntered', 'TaskScheduled', 'TaskStarted'];
  if (kind === 'DistributedMap') return ['MapStateEntered', 'MapStateStarted', 'MapRunStarted'];
  if (kind === 'Map' || kind === 'Parallel') return [`${kind}StateEntered`, `${kind}StateStarted`];
  return [`${kind}StateEntered`];
}

function exited(kind: StateKind | undefined, caught: boolean): string[] {
  const prefix = kind === 'DistributedMap' ? 'Map' : kind;
  if (caught) return [`${prefix}StateExited`];
  if (kind === 'Task') return ['TaskSucceeded', 'TaskStateExited'];
  if (kind === 'DistributedMap') return ['MapRunSucceeded', 'MapStateSucceeded', 'MapStateExited'];
  if (kind === 'Map' || kind === 'Parallel') return [`${kind}StateSucceeded`, `${kind}StateExited`];
  return [`${prefix}StateExited`];
}
