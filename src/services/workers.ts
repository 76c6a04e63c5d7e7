import { hostname } from 'node:os';
import type { WorkerRecord, WorkerRegistry } from '../cluster/worker-registry.js';
import { SWITCHYARD_VERSION } from '../cluster/version.js';
import { NotFoundError, SwitchyardError } from '../errors.js';
import type { AccountRepository, AuditRepository } from '../store/types.js';
import type { AuditContext } from './audit-context.js';
import type { WorkersView, WorkerView } from './admin-views.js';

export type { WorkersView, WorkerView } from './admin-views.js';

export interface WorkersServiceDeps {
  mode: 'embedded' | 'distributed';
  registry: WorkerRegistry;
  accounts: AccountRepository;
  audit: AuditRepository;
  /** Embedded mode: what this process serves, shown as its one worker. */
  self: () => { accounts: Array<{ id: string; name: string }>; capacity: number; inFlight: number };
}

const EMBEDDED_ID = 'embedded';

/** The workers page: the registry's workers with their accounts' names, and drain/undrain. */
export class WorkersService {
  private readonly startedAt = new Date(Date.now() - Math.round(process.uptime() * 1000));

  constructor(private readonly deps: WorkersServiceDeps) {}

  async list(): Promise<WorkersView> {
    if (this.deps.mode === 'embedded') return { mode: 'embedded', workers: [this.self()] };
    const [records, accounts] = await Promise.all([this.deps.registry.list(), this.deps.accounts.list()]);
    const names = new Map(accounts.map((a) => [a.id, a.name]));
    return { mode: 'distributed', workers: records.map((record) => view(record, names)) };
  }

  /** Stops the worker taking jobs; its running ones finish. Gateways stop queueing for it at once. */
  drain(id: string, context: AuditContext = {}): Promise<WorkerView> {
    return this.setDrain(id, true, context);
  }

  undrain(id: string, context: AuditContext = {}): Promise<WorkerView> {
    return this.setDrain(id, false, context);
  }

  private async setDrain(id: string, drain: boolean, context: AuditContext): Promise<WorkerView> {
    if (this.deps.mode === 'embedded') {
      throw new SwitchyardError(
        'invalid_request_error',
        'Embedded mode has no separate workers: this server answers every account itself. To take it ' +
          'out of service, stop it with SIGTERM; it finishes live answers within SHUTDOWN_GRACE_MS.',
        { status: 409 },
      );
    }
    if (!(await this.deps.registry.setDrain(id, drain))) {
      throw new NotFoundError(`No registered worker '${id}'.`);
    }
    const actor = context.actor ?? { type: 'system' as const, id: null };
    await this.deps.audit.append({
      actorType: actor.type,
      actorId: actor.id,
      action: drain ? 'worker.drain' : 'worker.undrain',
      targetType: 'worker',
      targetId: id,
      ip: context.ip ?? null,
      details: {},
    });
    const found = (await this.list()).workers.find((w) => w.id === id);
    if (!found) throw new NotFoundError(`No registered worker '${id}'.`);
    return found;
  }

  private self(): WorkerView {
    const { accounts, capacity, inFlight } = this.deps.self();
    return {
      id: EMBEDDED_ID,
      host: hostname(),
      embedded: true,
      status: 'live',
      state: 'running',
      accounts,
      capacity,
      inFlight,
      version: SWITCHYARD_VERSION,
      startedAt: this.startedAt.toISOString(),
      lastSeenAt: new Date().toISOString(),
    };
  }
}

function view(record: WorkerRecord, names: ReadonlyMap<string, string>): WorkerView {
  return {
    id: record.id,
    host: record.host,
    embedded: false,
    status: record.status,
    // The admin's request decides; the worker's own report says whether it finished draining.
    state: record.drain ? (record.state === 'drained' ? 'drained' : 'draining') : 'running',
    accounts: record.accounts.map((id) => ({ id, name: names.get(id) ?? null })),
    capacity: record.capacity,
    inFlight: record.inFlight ?? null,
    version: record.version,
    startedAt: new Date(record.startedAt).toISOString(),
    lastSeenAt: new Date(record.lastSeenAt).toISOString(),
  };
}
