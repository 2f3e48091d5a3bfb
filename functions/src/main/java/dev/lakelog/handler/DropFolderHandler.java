package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;
import dev.lakelog.Lakelog;
import java.util.function.Supplier;
import dev.lakelog.ingest.drop.DropFolderService;
import dev.lakelog.log.JsonLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * S3 event notification of the data bucket (prefix {@code incoming/}, {@code s3:ObjectCreated:*}):
 * each announced file goes to {@link DropFolderService#process} with the ETag the event names. A
 * bad file is quarantined by the core and the invocation succeeds; a storage failure (or a defect)
 * fails the invocation after the other records were tried, so that Lambda retries it (the core
 * writes the same objects again and keeps each file once) and the last failure lands in the
 * on-failure queue. Returns one line per record: key, status, events, segments, quarantine key.
 */
public final class DropFolderHandler implements RequestHandler<S3Event, Map<String, Object>> {
    private static final JsonLog LOG = JsonLog.get(DropFolderHandler.class);
    private final Supplier<Lakelog> app;

    public DropFolderHandler() {
        this(LambdaApp.start(LambdaApp.Needs.LAKE));
    }

    public DropFolderHandler(Lakelog app) {
        this(() -> app);
    }

    /** Bound to the container's current app, which SnapStart's restore replaces (see {@link LambdaApp}). */
    DropFolderHandler(Supplier<Lakelog> app) {
        this.app = app;
    }

    @Override
    public Map<String, Object> handleRequest(S3Event event, Context context) {
        try (LambdaInvocation inv = LambdaInvocation.begin(context, app.get().metrics())) {
            List<Map<String, Object>> files = new ArrayList<>();
            RuntimeException failure = null;
            String bucket = app.get().config().bucket().orElse(null);
            List<S3EventNotification.S3EventNotificationRecord> records = event == null || event.getRecords() == null ? List.of() : event.getRecords();
            for (S3EventNotification.S3EventNotificationRecord r : records) {
                String name = r.getEventName() == null ? "" : r.getEventName();
                if (!name.startsWith("ObjectCreated:")) {
                    LOG.info("drop_event_ignored", "event_name", name);
                    continue;
                }
                String recordBucket = r.getS3().getBucket().getName();
                String key = r.getS3().getObject().getUrlDecodedKey();
                if (bucket == null || !bucket.equals(recordBucket)) {
                    // a notification from another bucket is a wiring mistake: fail loudly (on-failure queue)
                    failure = new IllegalStateException("S3 event for bucket '" + recordBucket + "', but this function reads '" + bucket + "' (LAKELOG_BUCKET)");
                    continue;
                }
                try {
                    DropFolderService.Outcome o = app.get().dropFolder().process(key, blankToNull(r.getS3().getObject().geteTag()), inv.end());
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("key", o.key());
                    line.put("status", o.status().name().toLowerCase(java.util.Locale.ROOT));
                    line.put("events", o.events());
                    line.put("segments", o.segments().size());
                    line.put("quarantine_key", o.quarantineKey());
                    line.put("detail", o.detail());
                    files.add(line);
                } catch (RuntimeException e) {
                    LOG.error("drop_failed", e, "key", key);
                    failure = e;
                }
            }
            if (failure != null) throw failure;
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("files", files);
            return answer;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.replace("\"", "");
    }
}
