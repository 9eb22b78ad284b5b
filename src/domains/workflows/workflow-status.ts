/**
 * The run statuses LiteLLM accepts on PATCH. `status` on a run is a cache of its event log;
 * the append-event route moves it by the rules below, PATCH may set it directly.
 */
export const WORKFLOW_RUN_STATUSES = ['pending', 'running', 'paused', 'completed', 'failed'] as const;
export type WorkflowRunStatus = (typeof WORKFLOW_RUN_STATUSES)[number];

/** LiteLLM's status rules: these event types move the run; every other type leaves it alone. */
const STATUS_AFTER_EVENT: Readonly<Record<string, WorkflowRunStatus>> = {
  'step.started': 'running',
  'step.failed': 'failed',
  'hook.waiting': 'paused',
  'hook.received': 'running',
};

/** The status a run takes when an event of this type is appended, or `null` to leave it. */
export function statusAfterEvent(eventType: string): WorkflowRunStatus | null {
  return Object.prototype.hasOwnProperty.call(STATUS_AFTER_EVENT, eventType)
    ? STATUS_AFTER_EVENT[eventType]
    : null;
}
