import { ApiError } from '../../../platform/common/errors/api-error';
import { resolveFallback, resolveModel } from './model-access';
import { personalKey, registry, teamKey } from '../../../../test/fakes/request-subject';

const served = registry({
  'gpt-4o': ['beta-testers'],
  'gpt-3.5': [],
  'openai/gpt-4o-mini': [],
  'anthropic/claude': [],
  'gpt-4x1': [],
  'gpt-4o-team': [],
  'openai/*': [],
});

/** The ApiError a call throws (fails the test when it does not throw one). */
function errorOf(call: () => unknown): ApiError {
  try {
    call();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

function expectDenied(call: () => unknown, type: string, message: string) {
  const error = errorOf(call);
  expect({ status: error.status, type: error.type, param: error.param, message: error.message }).toEqual({
    status: 403,
    type,
    param: 'model',
    message,
  });
}

describe('resolveModel', () => {
  describe('the key', () => {
    it('should let a key without models call any served group', () => {
      expect(resolveModel('gpt-4o', personalKey(), served)).toEqual({ group: 'gpt-4o', model: 'gpt-4o' });
    });

    it("should refuse a model outside the key's list with LiteLLM's 403 key_model_access_denied", () => {
      const subject = personalKey();
      subject.key.models = ['gpt-4o', "o'reilly"];
      expectDenied(
        () => resolveModel('gpt-3.5', subject, served),
        'key_model_access_denied',
        `key not allowed to access model. This key can only access models=['gpt-4o', "o'reilly"]. Tried to access gpt-3.5`,
      );
    });

    it('should answer 403, not 400, when a restricted key asks for a model no deployment serves', () => {
      const subject = personalKey();
      subject.key.models = ['gpt-4o'];
      expect(errorOf(() => resolveModel('nope', subject, served)).status).toBe(403);
    });

    it('should match wildcard entries: provider prefixes and name prefixes, the rest literally', () => {
      const subject = personalKey();
      subject.key.models = ['openai/*', 'gpt-4.1*'];
      expect(resolveModel('openai/gpt-4o-mini', subject, served).group).toBe('openai/gpt-4o-mini');
      expect(errorOf(() => resolveModel('anthropic/claude', subject, served)).type).toBe(
        'key_model_access_denied',
      );
      // `.` is a dot, not "any character"
      expect(errorOf(() => resolveModel('gpt-4x1', subject, served)).type).toBe('key_model_access_denied');
    });

    it.each([['*'], ['all-proxy-models']])('should open every model with %s', (entry) => {
      const subject = personalKey();
      subject.key.models = [entry];
      expect(resolveModel('anthropic/claude', subject, served).group).toBe('anthropic/claude');
    });

    it("should allow a group through an access group named in the key's models", () => {
      const subject = personalKey();
      subject.key.models = ['beta-testers'];
      expect(resolveModel('gpt-4o', subject, served).group).toBe('gpt-4o');
      expect(errorOf(() => resolveModel('gpt-3.5', subject, served)).type).toBe('key_model_access_denied');
    });

    it("should fall back to the models of the key's access-group rows", () => {
      const subject = personalKey();
      subject.key.models = ['gpt-3.5'];
      subject.key.accessGroupModels = ['gpt-4o'];
      expect(resolveModel('gpt-4o', subject, served).group).toBe('gpt-4o');
      expectDenied(
        () => resolveModel('anthropic/claude', subject, served),
        'key_model_access_denied',
        "key not allowed to access model. This key can only access models=['gpt-3.5']. Tried to access anthropic/claude",
      );
    });

    it("should route a key alias to its target and allow it when the target is in the key's list", () => {
      const subject = personalKey();
      subject.key.models = ['gpt-4o'];
      subject.key.aliases = { short: 'gpt-4o' };
      expect(resolveModel('short', subject, served)).toEqual({ group: 'gpt-4o', model: 'gpt-4o' });
    });
  });

  describe('the team', () => {
    it('should skip the key check for all-team-models and apply the team list', () => {
      const subject = teamKey();
      subject.key.models = ['all-team-models'];
      subject.team.models = ['gpt-4o'];
      expect(resolveModel('gpt-4o', subject, served).group).toBe('gpt-4o');
      expectDenied(
        () => resolveModel('gpt-3.5', subject, served),
        'team_model_access_denied',
        "Team not allowed to access model. Team=t1, Model=gpt-3.5. Allowed team models = ['gpt-4o']",
      );
    });

    it("should bind a key with no models by its team's list", () => {
      const subject = teamKey();
      subject.team.models = ['gpt-4o'];
      expect(errorOf(() => resolveModel('gpt-3.5', subject, served)).type).toBe('team_model_access_denied');
    });

    it("should fall back to the models of the team's access-group rows", () => {
      const subject = teamKey();
      subject.team.models = ['gpt-3.5'];
      subject.team.accessGroupModels = ['gpt-4o'];
      expect(resolveModel('gpt-4o', subject, served).group).toBe('gpt-4o');
    });

    it('should let a team model alias through key and team lists and route it to its target', () => {
      const subject = teamKey();
      subject.key.models = ['gpt-3.5'];
      subject.team.models = ['gpt-3.5'];
      subject.team.modelAliases = { 'public-name': 'gpt-4o-team' };
      expect(resolveModel('public-name', subject, served)).toEqual({
        group: 'gpt-4o-team',
        model: 'gpt-4o-team',
      });
    });

    it("should refuse a model outside the member's allowed_models with the member message", () => {
      const subject = teamKey();
      subject.team.member = {
        maxBudget: null,
        rpm: null,
        tpm: null,
        maxParallel: null,
        allowedModels: ['gpt-4o'],
      };
      expect(resolveModel('gpt-4o', subject, served).group).toBe('gpt-4o');
      expectDenied(
        () => resolveModel('gpt-3.5', subject, served),
        'team_model_access_denied',
        "Team member not allowed to access model. User=u1, Team=t1, Model=gpt-3.5. Allowed member models = ['gpt-4o']",
      );
    });

    it('should not scope a member whose allowed_models is empty, nor a key without owner', () => {
      const subject = teamKey();
      subject.team.member = { maxBudget: null, rpm: null, tpm: null, maxParallel: null, allowedModels: [] };
      expect(resolveModel('gpt-3.5', subject, served).group).toBe('gpt-3.5');
      subject.team.member = { ...subject.team.member, allowedModels: ['gpt-4o'] };
      subject.key.userId = null;
      expect(resolveModel('gpt-3.5', subject, served).group).toBe('gpt-3.5');
    });

    it("should not apply the owner's personal models to a team key", () => {
      const subject = teamKey();
      subject.user = { ...subject.user!, models: ['gpt-4o', 'no-default-models'] };
      expect(resolveModel('gpt-3.5', subject, served).group).toBe('gpt-3.5');
    });
  });

  describe('the owner and the project', () => {
    it("should bind a personal key by its owner's models with user_model_access_denied", () => {
      const subject = personalKey();
      subject.user = { ...subject.user!, models: ['gpt-4o'] };
      expect(resolveModel('gpt-4o', subject, served).group).toBe('gpt-4o');
      expectDenied(
        () => resolveModel('gpt-3.5', subject, served),
        'user_model_access_denied',
        "user not allowed to access model. This user can only access models=['gpt-4o']. Tried to access gpt-3.5",
      );
    });

    it('should refuse every personal call of a no-default-models owner', () => {
      const subject = personalKey();
      subject.user = { ...subject.user!, models: ['no-default-models'] };
      expectDenied(
        () => resolveModel('gpt-4o', subject, served),
        'key_model_access_denied',
        'User not allowed to access model. No default model access, only team models allowed. Tried to access gpt-4o',
      );
    });

    it("should bind by the project's models when it has some", () => {
      const subject = personalKey();
      subject.project = { id: 'p1', maxBudget: null, models: ['gpt-4o'] };
      expect(resolveModel('gpt-4o', subject, served).group).toBe('gpt-4o');
      expectDenied(
        () => resolveModel('gpt-3.5', subject, served),
        'project_model_access_denied',
        "project not allowed to access model. This project can only access models=['gpt-4o']. Tried to access gpt-3.5",
      );
      subject.project = { id: 'p1', maxBudget: null, models: [] };
      expect(resolveModel('gpt-3.5', subject, served).group).toBe('gpt-3.5');
    });
  });

  describe('the model group', () => {
    it("should answer an unknown name with the router's 400 naming the route", () => {
      const error = errorOf(() =>
        resolveModel('nope', personalKey(), registry({ 'gpt-4o': [] }), '/embeddings'),
      );
      expect({ status: error.status, type: error.type, param: error.param, message: error.message }).toEqual({
        status: 400,
        type: 'invalid_request_error',
        param: null,
        message:
          '/embeddings: Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.',
      });
    });

    it('should prefer an exact group and else serve a name from a wildcard group', () => {
      expect(resolveModel('openai/gpt-4o-mini', personalKey(), served).group).toBe('openai/gpt-4o-mini');
      expect(resolveModel('openai/o3', personalKey(), served)).toEqual({
        group: 'openai/*',
        model: 'openai/o3',
      });
    });

    it('should follow a new registry array (deployments reloaded) instead of a stale index', () => {
      let groups: string[] = ['gpt-4o'];
      const live = { groupNames: () => groups, accessGroupsOf: () => [] };
      expect(errorOf(() => resolveModel('gpt-5', personalKey(), live)).status).toBe(400);
      groups = ['gpt-4o', 'gpt-5'];
      expect(resolveModel('gpt-5', personalKey(), live).group).toBe('gpt-5');
    });
  });

  describe('client-side fallbacks', () => {
    it("should check a fallback against the key's list only, then that it routes", () => {
      const subject = teamKey();
      subject.key.models = ['gpt-4o', 'gpt-3.5', 'nope'];
      subject.team.models = ['gpt-4o'];
      // the team list does not apply to fallbacks (LiteLLM checks the key's only)
      expect(resolveFallback('gpt-3.5', subject, served)).toEqual({ group: 'gpt-3.5', model: 'gpt-3.5' });
      expect(errorOf(() => resolveFallback('anthropic/claude', subject, served)).type).toBe(
        'key_model_access_denied',
      );
      expect(errorOf(() => resolveFallback('nope', subject, served)).status).toBe(400);
    });
  });
});
