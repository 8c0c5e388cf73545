// The one base of every kmirror error, and the one table of error codes. Each component owns a range
// of 100 numbers; an error carries its component, its code name inside that component (what call sites
// compare: `err.code === 'NOT_FOUND'`), a message a user can act on (it names the operation and the
// target), and the cause. `id` is the code's number: unique across kmirror, so it is also the id a DAP
// client receives. Lives in proto/ because the agent, the workstation and the SDK all import it.
import { ERROR_CODES, type ErrorCodeName } from './types.js';
import { kmirror } from '../gen/tunnel.js';

/** First number of each component's range; every code of the component lies in [base, base + 99]. */
export const KM_ERROR_RANGES = {
  tunnel: 1000,
  config: 2000,
  cluster: 3000,
  commandLine: 4000,
  dap: 5000,
  sdk: 6000,
  agent: 7000,
  target: 8000,
  image: 9000,
} as const;

/** Tunnel codes are the proto ErrorCode values moved into the tunnel range (wire value n → 1000 + n). */
// By the enum's wire value, not its position: the allocated ranges leave gaps (19 → 28).
const tunnelCodes = Object.fromEntries(ERROR_CODES.map((name) => [name, KM_ERROR_RANGES.tunnel + kmirror.tunnel.v1.ErrorCode[name]])) as
  { readonly [K in ErrorCodeName]: number };

export const KmErrorCode = {
  tunnel: tunnelCodes,
  config: {
    INVALID_CONFIG: 2000,   // a settings file or launch `kmirror` object has a bad key or value
  },
  cluster: {
    KUBECONFIG: 3000,       // no usable kubeconfig / context
    NOT_FOUND: 3001,        // the object does not exist
    FORBIDDEN: 3002,        // RBAC refused the verb
    UNAUTHORIZED: 3003,     // credentials rejected
    INVALID_TARGET: 3004,   // the target string or its container choice is wrong
    NO_READY_POD: 3005,     // a workload has no ready pod
    UNSUPPORTED: 3006,      // the cluster lacks something (CRD, feature)
    TIMEOUT: 3007,          // a bounded wait expired
    ABORTED: 3008,          // the caller's AbortSignal fired
    AGENT_FAILED: 3009,     // the agent pod or container did not start / died
    PORT_FORWARD: 3010,     // the API server's port-forward failed or dropped
    API: 3011,              // any other API server error
  },
  commandLine: {
    USAGE: 4000,            // a bad command line (`kmirror …`, `kmirror-dap run …`)
  },
  // The DAP server's ids predate this table and are kept: clients may match on them.
  dap: {
    INTERNAL: 5000,
    UNKNOWN_COMMAND: 5001,
    BAD_REQUEST: 5002,
    BAD_LAUNCH_FIELD: 5003,
    DEBUGGER_NOT_FOUND: 5004,
    NO_BACKEND: 5005,
    WRONG_STATE: 5006,
    BACKEND_FAILED: 5007,
    BACKEND_EXITED: 5008,
    TARGET_UNREACHABLE: 5009,
    TIMEOUT: 5010,
    NOT_SUPPORTED: 5011,
  },
  sdk: {
    REQUEST_FAILED: 6000,   // the adapter answered a request with success: false
    NO_RESPONSE: 6001,      // the request was not sent, or no answer came in time
  },
  agent: {
    INVALID_HTTP_FILTER: 7000,
  },
  target: {
    INVALID_TARGET: 8000,   // a target string (or the container it names) is wrong
  },
  image: {
    TOOL_MISSING: 9000,     // no image builder / loader on this machine (names what to install)
    PART_MISSING: 9001,     // the agent bundle, addon or BPF objects are not in this installation
    TOOL_FAILED: 9002,      // a builder, pusher or loader ran and failed (its output is in the message)
  },
} as const satisfies { readonly [C in keyof typeof KM_ERROR_RANGES]: Readonly<Record<string, number>> };

export type KmErrorComponent = keyof typeof KmErrorCode;
/** The code names of one component (e.g. `KmErrorCodeName<'cluster'>` = 'KUBECONFIG' | 'NOT_FOUND' | …). */
export type KmErrorCodeName<C extends KmErrorComponent = KmErrorComponent> =
  C extends KmErrorComponent ? keyof (typeof KmErrorCode)[C] & string : never;

const BRAND = Symbol.for('kmirror.KmError');

/** Base of every kmirror error; subclasses set `override name = '…' as const` and fix the component. */
export abstract class KmError<C extends KmErrorComponent = KmErrorComponent> extends Error {
  readonly [BRAND] = true;
  readonly component: C;
  readonly code: KmErrorCodeName<C>;

  constructor(component: C, code: KmErrorCodeName<C>, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.component = component;
    this.code = code;
  }

  /** The code's number in KmErrorCode: unique across kmirror, and the DAP error id. */
  get id(): number {
    // Safe: `code` is typed as a key of this component's table.
    return (KmErrorCode[this.component] as Readonly<Record<string, number>>)[this.code] as number;
  }
}

/** True for a kmirror error from any bundle or realm (instanceof fails across copies of this module). */
export function isKmError(err: unknown): err is KmError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}
