/**
 * The user's "chargeback.*" settings in the language server: pulled from the client per document and cached until
 * the client says they changed or the document closes (never kept in globals that outlive a configuration
 * change), and turned into the options of a check. Knows nothing of the LSP connection: the server passes hooks.
 */
import type { DateOrder } from '../../core/billing/dates';
import { Dec } from '../../core/money';
import { defaultCheckOptions } from '../../core/rating/options';
import { DEFAULT_SETTINGS, type ChargebackSettings } from '../../shared/settings';
import type { CheckSettings } from '../billing/billingService';
import type { PriceLists } from './priceLists';

export interface SettingsHooks {
  /** The "chargeback" section for a document, as the client has it. */
  pull(uri: string): Promise<Partial<ChargebackSettings> | null>;
  /** A setting that cannot be used (the default is used instead). */
  warn(message: string): void;
}

export class ServerSettings {
  /** False until the client says it answers configuration requests; the defaults apply meanwhile. */
  canPull = false;
  private readonly cache = new Map<string, Promise<ChargebackSettings>>();

  constructor(
    private readonly hooks: SettingsHooks,
    private readonly priceLists: PriceLists,
  ) {}

  /** The settings of a document, defaults filled in. */
  async user(uri: string): Promise<ChargebackSettings> {
    if (!this.canPull) return DEFAULT_SETTINGS;
    let cached = this.cache.get(uri);
    if (!cached) {
      cached = this.hooks.pull(uri).then((s) => ({ ...DEFAULT_SETTINGS, ...(s ?? {}) }));
      this.cache.set(uri, cached);
    }
    return cached;
  }

  /** The client said the settings changed: ask again next time. */
  changed(): void {
    this.cache.clear();
  }

  /** A document closed: its settings are asked again if it opens again. */
  forget(uri: string): void {
    this.cache.delete(uri);
  }

  async dateOrder(uri: string): Promise<DateOrder> {
    return (await this.user(uri)).dateOrder === 'DMY' ? 'DMY' : 'MDY';
  }

  /** How a billing document is checked: its date order, error threshold, price list and diagnostics cap. */
  async checkSettings(uri: string): Promise<CheckSettings> {
    const s = await this.user(uri);
    let errorThreshold = new Dec(DEFAULT_SETTINGS.errorThreshold);
    try {
      errorThreshold = new Dec(s.errorThreshold);
    } catch {
      this.hooks.warn(
        `chargeback.errorThreshold "${s.errorThreshold}" is not an amount; using ${DEFAULT_SETTINGS.errorThreshold}`,
      );
    }
    return {
      options: defaultCheckOptions({
        dateOrder: s.dateOrder === 'DMY' ? 'DMY' : 'MDY',
        errorThreshold,
        priceList: await this.priceLists.forDocument(uri, s.priceList),
      }),
      maxDiagnostics: Math.max(
        1,
        Math.min(100000, Math.floor(Number(s.maxDiagnostics) || DEFAULT_SETTINGS.maxDiagnostics)),
      ),
    };
  }
}
