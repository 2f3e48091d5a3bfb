package dev.lakelog.integrity;

import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import dev.lakelog.lake.IntegrityProof;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code GET /v1/analytics/logs/{log_id}/proof} with a tenant's Bearer token: the proof that one of
 * its events is in the lake as recorded by the integrity chain and signed by the anchor
 * (docs/integrity.md#one-events-proof). 404 {@code event_not_found}; 409 {@code proof_unavailable}
 * when there is no anchor or the event's entry is not anchored yet.
 */
public final class ProofRoutes {
    private final Authenticator auth;
    private final Supplier<LakeEngine> lake;

    public ProofRoutes(Authenticator auth, Supplier<LakeEngine> lake) {
        this.auth = auth;
        this.lake = lake;
    }

    public void register(ApiRouter router) {
        router.add("GET", "/v1/analytics/logs/([^/]+)/proof", (r, m) -> {
            Tenant t = auth.verifyBearer(r);
            new Params(r.query()).allowOnly(Set.of());
            String logId = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
            try {
                return router.ok(IntegrityProof.prove(lake.get(), t.id(), logId));
            } catch (IntegrityProof.Unavailable e) {
                throw new LakelogException(e.notFound ? ErrorCode.EVENT_NOT_FOUND : ErrorCode.PROOF_UNAVAILABLE, e.getMessage());
            } catch (SQLException e) {
                throw new LakeException("cannot build the proof: " + lake.get().redactor().redact(e.getMessage()), null);
            }
        });
    }
}
