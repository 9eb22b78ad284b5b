import { ApiError } from '../../../platform/common/errors/api-error';
import type { EndUserFacts } from './request-subject';

export { loadEndUser } from './request-subject.loader';

/**
 * A blocked end user (`/customer/block`) is refused before anything is spent, with the text of
 * LiteLLM's blocked-user hook (400). Its budget is one of the budget checks (`budgetEntities`).
 */
export function checkEndUser(endUser: EndUserFacts | null | undefined): void {
  if (endUser?.blocked) {
    throw new ApiError(
      400,
      `User blocked from making LLM API Calls. User=${endUser.id}`,
      'invalid_request_error',
      null,
    );
  }
}
