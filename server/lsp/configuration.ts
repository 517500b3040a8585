// Settings from the client: initializationOptions, then workspace/configuration (section `spark`) and
// didChangeConfiguration. Each layer is validated as a whole; bad values keep the last good config and are
// named in one message.
import { DidChangeConfigurationNotification, MessageType } from 'vscode-languageserver';
import { applySettings, type Config } from '../config/schema.js';
import type { ServerContext } from './context.js';

export const SECTION = 'spark';

/** `initializationOptions` may be the section itself or `{ spark: section }`. */
export function sectionOf(options: unknown): Record<string, unknown> | undefined {
  if (!isObject(options)) return undefined;
  const nested = options[SECTION];
  return isObject(nested) ? nested : options;
}

export class Settings {
  private base: Record<string, unknown> = {};

  constructor(
    private readonly ctx: ServerContext,
    private readonly onChange: (previous: Config) => void,
  ) {}

  /** At initialize: the client's initializationOptions become the base layer. */
  initialize(initializationOptions: unknown): void {
    this.base = sectionOf(initializationOptions) ?? {};
    this.apply(undefined);
  }

  /** After initialized: pull the section and follow changes. */
  async listen(): Promise<void> {
    const { connection } = this.ctx;
    connection.onDidChangeConfiguration((params) => {
      const pushed = isObject(params.settings) ? params.settings[SECTION] : undefined;
      if (isObject(pushed)) this.apply(pushed);
      else void this.pull();
    });
    if (this.ctx.negotiated.configurationChangeRegistration) {
      await connection.client.register(DidChangeConfigurationNotification.type, { section: SECTION }).catch(() => undefined);
    }
    await this.pull();
  }

  private async pull(): Promise<void> {
    if (!this.ctx.negotiated.configuration) return;
    const section: unknown = await this.ctx.connection.workspace.getConfiguration(SECTION).catch(() => undefined);
    this.apply(isObject(section) ? section : undefined);
  }

  private apply(overlay: Record<string, unknown> | undefined): void {
    const previous = this.ctx.config;
    const { config, warnings } = applySettings(previous, deepMerge(this.base, overlay ?? {}));
    if (warnings.length > 0) {
      for (const w of warnings) this.ctx.log.warn(w);
      this.ctx.showMessage(MessageType.Warning, `Spark: ${warnings.join('; ')}`);
      return;
    }
    this.ctx.config = config;
    this.onChange(previous);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}
