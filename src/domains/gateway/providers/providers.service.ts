import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Provider } from '../deployments/deployment';
import { AnthropicAdapter } from './anthropic.adapter';
import { AzureAdapter } from './azure.adapter';
import { OpenAIAdapter } from './openai.adapter';
import type { ProviderAdapter } from './provider';
import { UpstreamHttp } from './upstream-http';

/** The adapter for each provider, all sharing one upstream HTTP pool (closed at shutdown). */
@Injectable()
export class ProvidersService implements OnModuleDestroy {
  private readonly http = new UpstreamHttp();
  private readonly adapters: Record<Provider, ProviderAdapter> = {
    openai: new OpenAIAdapter(this.http),
    azure: new AzureAdapter(this.http),
    anthropic: new AnthropicAdapter(this.http),
  };

  adapterFor(provider: Provider): ProviderAdapter {
    return this.adapters[provider];
  }

  async onModuleDestroy(): Promise<void> {
    await this.http.close();
  }
}
