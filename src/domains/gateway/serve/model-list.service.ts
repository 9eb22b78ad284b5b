import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { ApiError } from '../../../platform/common/errors/api-error';
import { resolveModel } from '../checks/model-access';
import { DeploymentsService } from '../deployments/deployments.service';
import { AdmissionService } from './admission.service';

/** OpenAI's `created` for models the proxy lists (LiteLLM shows a fixed value too). */
const CREATED = 1677610602;

/** `GET /v1/models`: the model groups the caller may call, by the same rule a call is admitted by. */
@Injectable()
export class ModelListService {
  constructor(
    private readonly admission: AdmissionService,
    private readonly deployments: DeploymentsService,
  ) {}

  async list(auth: AuthContext) {
    const subject = await this.admission.subjectOf(auth);
    const data = this.deployments
      .groupNames()
      .filter((group) => {
        try {
          resolveModel(group, subject, this.deployments);
          return true;
        } catch (e) {
          if (e instanceof ApiError) return false;
          throw e;
        }
      })
      .map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'openai' }));
    return { data, object: 'list' };
  }
}
