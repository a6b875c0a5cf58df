import type { AttributeSelection, CriticalAttribute } from '../../../schemas/policy.js';
import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import type { BackupStep } from '../types.js';

/**
 * What a policy makes critical, as the kinds read it from their work item (`item.attributes`, set by
 * the policy engine). No attributes: no policy, everything is captured.
 */
export function captures(item: WorkItem, attribute: CriticalAttribute): boolean {
  const attributes = (item as WorkItem & AttributeSelection).attributes;
  return !attributes || attributes.includes(attribute);
}

/** The step of a data kind whose policy leaves data out: configuration only, done. */
export function configurationOnly(artifacts: Artifact[]): BackupStep {
  return { done: true, artifacts, summary: { notCaptured: ['data'] } };
}
