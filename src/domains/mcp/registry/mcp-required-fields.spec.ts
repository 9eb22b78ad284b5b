import { ConfigError } from '../../../platform/config/config-error';
import { checkRequiredFieldNames, checkRequiredFields } from './mcp-required-fields';

describe('general_settings.mcp_required_fields', () => {
  it('should stop start-up on a name that is no submission field', () => {
    expect(() => checkRequiredFieldNames(['description', 'colour'])).toThrow(ConfigError);
    expect(() => checkRequiredFieldNames(['description', 'url', 'auth_type'])).not.toThrow();
  });

  it('should count absent, null, blank, empty lists and auth_type "none" as missing, naming them all', () => {
    const fields = ['description', 'mcp_access_groups', 'auth_type', 'url'];
    expect(() =>
      checkRequiredFields({ description: '  ', mcp_access_groups: [], auth_type: 'none' }, fields),
    ).toThrow('Submission is missing required fields: ["description","mcp_access_groups","auth_type","url"]');
    expect(() =>
      checkRequiredFields(
        { description: 'd', mcp_access_groups: ['g'], auth_type: 'api_key', url: 'https://x' },
        fields,
      ),
    ).not.toThrow();
    expect(() => checkRequiredFields({}, [])).not.toThrow();
  });
});
