import type { Server, ServerResponse } from 'node:http';
import type { ProgressDisplay } from '../progress.js';
import type { ResultsFile } from '../results-store.js';
import { inlineScriptHashes } from './content-security-policy.js';
import { allowedHosts, isLoopback, urlHost } from './host-check.js';
import { LiveDisplay } from './live-display.js';
import { LiveResults, type LivePlan } from './live-results.js';
import { liveData, livePage } from './page.js';
import { dashboardRequestListener } from './routes.js';
import { closeServer, listen } from './server.js';
import type { ServeAddress } from './serve-options.js';
import { SseHub, type SseEvent } from './sse-hub.js';
import { Throttle } from './throttle.js';

/** At most 4 updates a second: an epoch end reaches the page within this, however many runs train. */
export const UPDATE_INTERVAL_MS = 250;

/** The live report page of a running sweep (`--serve`). */
export interface Dashboard {
  /** Where it is served, e.g. http://127.0.0.1:8765/ */
  readonly url: string;
  /** Feeds the page from the sweep's progress display: returns the display to give the sweep. */
  watch(display: ProgressDisplay, plan: LivePlan): ProgressDisplay;
  /** Sends the final results (when given) and an end event, then stops serving. Idempotent. */
  close(final?: ResultsFile): Promise<void>;
}

class LiveDashboard implements Dashboard {
  private live: LiveResults | null = null;
  private version = 0;
  private page: { version: number; drawn: Promise<{ html: string; scriptHashes: readonly string[] }> } | null = null;
  private closing: Promise<void> | null = null;
  private readonly hub = new SseHub(() => this.resultsEvent());
  private readonly throttle = new Throttle(UPDATE_INTERVAL_MS, () => this.hub.publish(() => this.resultsEvent()));

  constructor(
    private readonly server: Server,
    readonly url: string,
    /** The page's scripts, hashed once from a page without data: a script that came with the data would not run. */
    private readonly scriptHashes: readonly string[],
  ) {}

  watch(display: ProgressDisplay, plan: LivePlan): ProgressDisplay {
    const live = new LiveResults(plan);
    this.live = live;
    return new LiveDisplay(display, live, () => {
      this.version++;
      this.throttle.request();
    });
  }

  close(final?: ResultsFile): Promise<void> {
    if (this.closing) return this.closing;
    this.throttle.cancel();
    const last: SseEvent[] = [];
    if (final && this.live) {
      this.live.finish(final);
      this.version++;
      last.push(this.resultsEvent(), { event: 'end', data: JSON.stringify({ status: final.sweep.status }) });
    }
    this.closing = this.hub.close(last).then(() => closeServer(this.server));
    return this.closing;
  }

  private snapshot(): ResultsFile | null {
    return this.live?.snapshot() ?? null;
  }

  private resultsEvent(): SseEvent {
    const planned = this.live?.plannedEpochs() ?? [];
    return { event: 'results', data: JSON.stringify(liveData(this.snapshot() ?? emptyResults(), planned)) };
  }

  /** The page as of the last change, drawn once per change however many browsers ask. */
  drawPage(): Promise<{ html: string; scriptHashes: readonly string[] }> {
    if (this.page?.version !== this.version) {
      const drawn = livePage(this.snapshot() ?? emptyResults()).then((html) => ({
        html,
        scriptHashes: this.scriptHashes,
      }));
      this.page = { version: this.version, drawn };
    }
    return this.page.drawn;
  }

  results(): string {
    return JSON.stringify(this.snapshot() ?? emptyResults());
  }

  events(response: ServerResponse): void {
    this.hub.add(response);
  }
}

/** What the page shows before the sweep's first event (the server listens before training starts). */
function emptyResults(): ResultsFile {
  const now = new Date().toISOString();
  return {
    sweep: {
      status: 'running',
      startedAt: now,
      finishedAt: null,
      wallSeconds: 0,
      backend: '',
      cores: 0,
      concurrency: 0,
      workersPerRun: 0,
      samplesPerSecond: 0,
    },
    comparison: [],
    winner: null,
    runs: [],
  };
}

/**
 * What the sweep prints once as the server starts: the URL and, off loopback, a warning. Short
 * lines: they must fit an 80-column terminal unwrapped (the URL is never cut).
 */
export function startLines(host: string, url: string): string[] {
  const lines = [`fnn-sweep: live report at ${url} (read-only)`];
  if (!isLoopback(host)) lines.push(`fnn-sweep: warning: --host ${host}: anyone who can reach it can read the page`);
  return lines;
}

/**
 * Listens on the address (a clear error, before any training, when the port is taken) and
 * logs the URL once; a non-loopback address gets a warning, as the page has no password.
 */
export async function startDashboard(address: ServeAddress, log: (line: string) => void): Promise<Dashboard> {
  let dashboard: LiveDashboard | undefined;
  let allowed: ReadonlySet<string> = new Set();
  const listener = dashboardRequestListener({
    get allowedHosts() {
      return allowed;
    },
    page: () => dashboard!.drawPage(),
    results: () => dashboard!.results(),
    events: (response) => dashboard!.events(response),
  });
  const scriptHashes = inlineScriptHashes(await livePage(emptyResults()));
  const { server, port } = await listen(address, listener);
  allowed = allowedHosts(address.host, port);
  const shown = address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;
  dashboard = new LiveDashboard(server, `http://${urlHost(shown)}:${port}/`, scriptHashes);
  for (const line of startLines(address.host, dashboard.url)) log(line);
  return dashboard;
}
