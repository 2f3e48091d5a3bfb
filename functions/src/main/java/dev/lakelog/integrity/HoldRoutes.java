package dev.lakelog.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.lake.LakeException;
import dev.lakelog.lake.LegalHolds;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Legal holds (docs/integrity.md#legal-hold): {@code POST /v1/analytics/holds} and
 * {@code POST /v1/analytics/holds/{hold_id}/release} with an operator token; {@code GET
 * /v1/analytics/holds} lists the active holds (an operator: all; a tenant's token: its own).
 */
public final class HoldRoutes {
    private static final Set<String> FIELDS = Set.of("tenant_id", "event_type", "from", "to", "reason");
    private final Authenticator auth;
    private final Supplier<LakeEngine> lake;
    private final TenantStore tenants;

    public HoldRoutes(Authenticator auth, Supplier<LakeEngine> lake, TenantStore tenants) {
        this.auth = auth;
        this.lake = lake;
        this.tenants = tenants;
    }

    public void register(ApiRouter router) {
        router.add("POST", "/v1/analytics/holds", (r, m) -> {
            String operator = auth.verifyOperator(r);
            new Params(r.query()).allowOnly(Set.of());
            JsonNode body;
            try {
                body = router.mapper().readTree(r.body());
            } catch (java.io.IOException e) {
                throw bad("the body is not JSON");
            }
            if (body == null || !body.isObject()) throw bad("the body must be a JSON object with tenant_id and reason");
            for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!FIELDS.contains(f)) throw bad("unknown field '" + f + "'; allowed: tenant_id, event_type, from, to, reason");
            }
            String tenant = text(body, "tenant_id", 128, true);
            String reason = text(body, "reason", 1000, true);
            String eventType = text(body, "event_type", 128, false);
            Instant from = time(body, "from");
            Instant to = time(body, "to");
            if (from != null && to != null && !from.isBefore(to)) throw bad("'from' must be before 'to'");
            if (tenants.tenant(tenant).isEmpty()) throw bad("no tenant '" + tenant + "'");
            try (Connection c = lake.get().connect()) {
                LegalHolds.Hold h = LegalHolds.place(c, tenant, eventType, from, to, reason, operator);
                ObjectNode out = router.mapper().createObjectNode().put("status", "ok");
                out.set("hold", json(router, h));
                return router.ok(out);
            } catch (SQLException e) {
                throw new LakeException("cannot place the hold: " + lake.get().redactor().redact(e.getMessage()), null);
            }
        });
        router.add("POST", "/v1/analytics/holds/([^/]+)/release", (r, m) -> {
            String operator = auth.verifyOperator(r);
            new Params(r.query()).allowOnly(Set.of());
            try (Connection c = lake.get().connect()) {
                Optional<LegalHolds.Hold> h = LegalHolds.release(c, m.group(1), operator);
                if (h.isEmpty()) throw new LakelogException(ErrorCode.HOLD_NOT_FOUND, "no active legal hold '" + m.group(1) + "'");
                ObjectNode out = router.mapper().createObjectNode().put("status", "ok");
                out.set("released", json(router, h.get()));
                return router.ok(out);
            } catch (SQLException e) {
                throw new LakeException("cannot release the hold: " + lake.get().redactor().redact(e.getMessage()), null);
            }
        });
        router.add("GET", "/v1/analytics/holds", (r, m) -> {
            new Params(r.query()).allowOnly(Set.of());
            Optional<String> scope = auth.operatorOf(r).isPresent() ? Optional.empty() : Optional.of(auth.verifyBearer(r).id());
            try (Connection c = lake.get().connect()) {
                List<LegalHolds.Hold> holds = LegalHolds.active(c, scope);
                ObjectNode out = router.mapper().createObjectNode();
                ArrayNode a = out.putArray("holds");
                for (LegalHolds.Hold h : holds) a.add(json(router, h));
                return router.ok(out);
            } catch (SQLException e) {
                throw new LakeException("cannot list the holds: " + lake.get().redactor().redact(e.getMessage()), null);
            }
        });
    }

    private static ObjectNode json(ApiRouter router, LegalHolds.Hold h) {
        return router.mapper().createObjectNode().put("hold_id", h.holdId()).put("tenant_id", h.tenantId()).put("event_type", h.eventType())
                .put("from", h.from() == null ? null : h.from().toString()).put("to", h.to() == null ? null : h.to().toString())
                .put("reason", h.reason()).put("placed_by", h.placedBy()).put("placed_at", h.placedAt() == null ? null : h.placedAt().toString());
    }

    private static LakelogException bad(String detail) {
        return new LakelogException(ErrorCode.INVALID_BODY, detail);
    }

    private static String text(JsonNode body, String field, int max, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) throw bad("'" + field + "' is required");
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) throw bad("'" + field + "' must be a non-empty string");
        if (v.asText().length() > max) throw bad("'" + field + "' is longer than " + max + " characters");
        return v.asText();
    }

    private static Instant time(JsonNode body, String field) {
        String s = text(body, field, 64, false);
        if (s == null) return null;
        try {
            return Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            throw bad("'" + field + "' must be an RFC 3339 UTC time such as 2026-11-20T00:00:00Z, got '" + s + "'");
        }
    }
}
