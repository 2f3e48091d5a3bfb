package dev.lakelog.integrity;

import dev.lakelog.lake.IntegrityVerifier;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.log.JsonLog;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Verification of the lake against its integrity chain and anchor (docs/integrity.md), for the route and the CLI. */
public final class VerifyService {
    private static final JsonLog LOG = JsonLog.get(VerifyService.class);
    private final Supplier<LakeEngine> lake;
    private final Runnable before;

    public VerifyService(Supplier<LakeEngine> lake) {
        this(lake, () -> {});
    }

    /** {@code before} runs ahead of each verification (the composition root commits the pending access records there). */
    public VerifyService(Supplier<LakeEngine> lake, Runnable before) {
        this.lake = lake;
        this.before = before;
    }

    public IntegrityVerifier.Report verify(Optional<String> tenant, Optional<Long> sinceSnapshot, Consumer<String> progress) {
        before.run();
        IntegrityVerifier.Report r = IntegrityVerifier.verify(lake.get(), new IntegrityVerifier.Options(tenant, sinceSnapshot), progress);
        LOG.info(r.ok() ? "verify_ok" : "verify_broken", "tenant", tenant.orElse("*"), "entries", r.entries(),
                "files", r.filesChecked(), "bytes", r.bytesHashed(), "rows", r.rowsHashed(), "ms", r.millis(),
                "first_broken", r.firstBroken());
        return r;
    }

    /** The report as the JSON object the route and the CLI print. */
    public static Map<String, Object> toJson(IntegrityVerifier.Report r, Optional<String> tenant, Optional<Long> since) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.ok() ? "ok" : "broken");
        m.put("first_broken", r.firstBroken());
        m.put("problems", r.problems());
        m.put("notes", r.notes());
        Map<String, Object> scope = new LinkedHashMap<>();
        scope.put("tenant_id", tenant.orElse(null));
        scope.put("since_snapshot", since.orElse(null));
        m.put("scope", scope);
        m.put("entries", r.entries());
        m.put("head_seq", r.headSeq());
        m.put("files_checked", r.filesChecked());
        m.put("bytes_hashed", r.bytesHashed());
        m.put("rows_hashed", r.rowsHashed());
        m.put("seconds", r.millis() / 1000.0);
        m.put("mb_per_second", Math.round(r.mbPerSecond() * 10) / 10.0);
        m.put("rows_per_second", Math.round(r.rowsPerSecond()));
        m.put("anchor", r.anchor());
        return m;
    }
}
