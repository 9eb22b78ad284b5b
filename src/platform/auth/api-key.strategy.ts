import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { AuthService } from './auth.service';
import type { AuthContext } from './auth-context';
import { extractCredential } from './credentials';

export const API_KEY_STRATEGY = 'litellm-api-key';

/** Passport strategy reading `x-litellm-api-key` / `Authorization: Bearer` (and LiteLLM's other headers). */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, API_KEY_STRATEGY) {
  constructor(private readonly auth: AuthService) {
    super();
  }

  validate(req: Request): Promise<AuthContext> {
    return this.auth.authenticate(extractCredential(req.headers));
  }
}
