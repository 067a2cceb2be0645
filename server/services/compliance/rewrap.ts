import type { MessageInitShape } from "@bufbuild/protobuf";
import { abortable } from "../../../clients/signals.js";
import type { RewrapDataKeysResponseSchema } from "../../../gen/ragplane/v1/compliance_pb.js";
import { PermissionDeniedError } from "../../../security/errors.js";
import { callerOf } from "../admin/tenancy.js";
import type { ServiceContext } from "../context.js";

/** How far a re-wrap has come. */
export interface RewrapCounts {
  readonly checked: number;
  readonly rewrapped: number;
}

/** What a re-wrap found and did. */
export interface RewrapOutcome extends RewrapCounts {
  readonly activeKeyId: string;
  readonly remainingKeyIds: readonly string[];
}

/** The key store's re-wrap (`StoredDataKeyring.rewrap`). */
export interface KeyRewrapper {
  rewrap(
    onProgress: (progress: RewrapCounts) => void,
    signal?: AbortSignal,
  ): Promise<RewrapOutcome>;
}

type RewrapMessage = MessageInitShape<typeof RewrapDataKeysResponseSchema>;

/** Progress is streamed at most this often, in ms. */
export const rewrapProgressMs = 200;

/**
 * ComplianceService/RewrapDataKeys: for platform admins only (data keys are every
 * tenant's). Streams the latest progress at most every {@link rewrapProgressMs}, then the
 * result.
 */
export async function* streamRewrap(
  rewrapper: KeyRewrapper,
  adminTenant: string,
  context: ServiceContext,
  intervalMs = rewrapProgressMs,
): AsyncGenerator<RewrapMessage, void, undefined> {
  if (callerOf(context).tenant !== adminTenant) {
    throw new PermissionDeniedError(
      `only admins of the platform tenant "${adminTenant}" may re-wrap data keys`,
      "admin",
    );
  }
  let latest: RewrapCounts | undefined;
  let finished = false;
  const running = rewrapper
    .rewrap((progress) => {
      latest = progress;
    }, context.signal)
    .finally(() => {
      finished = true;
    });
  running.catch(() => undefined);
  let sent: RewrapCounts | undefined;
  while (!finished) {
    await abortable(Promise.race([running, tick(intervalMs)]), context.signal).catch(
      (error: unknown) => {
        if (context.signal.aborted) throw error;
      },
    );
    if (finished) break;
    if (latest !== undefined && latest !== sent) {
      sent = latest;
      yield {
        step: {
          case: "progress",
          value: { checked: BigInt(latest.checked), rewrapped: BigInt(latest.rewrapped) },
        },
      };
    }
  }
  const result = await running;
  yield {
    step: {
      case: "result",
      value: {
        checked: BigInt(result.checked),
        rewrapped: BigInt(result.rewrapped),
        activeKeyId: result.activeKeyId,
        remainingKeyIds: [...result.remainingKeyIds],
      },
    },
  };
}

function tick(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
