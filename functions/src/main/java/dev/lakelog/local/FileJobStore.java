package dev.lakelog.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.backend.JobStore;
import dev.lakelog.backend.QueryJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * {@link JobStore} for local mode: one JSON file per job under
 * {@code <data-dir>/jobs/<sha256(tenant#id)>.json} (owner-only, written atomically), like
 * {@link FileIdempotencyStore}; a job past its {@code expires_at} reads as absent.
 */
public final class FileJobStore implements JobStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    public FileJobStore(Path dir) {
        this.dir = dir;
    }

    private Path file(String tenantId, String id) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((tenantId + "#" + id).getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(h) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void create(QueryJob job) {
        Path f = file(job.tenantId(), job.id());
        if (Files.exists(f)) throw new IllegalStateException("job " + job.id() + " of tenant " + job.tenantId() + " exists already");
        write(f, job);
    }

    @Override
    public synchronized Optional<QueryJob> get(String tenantId, String id) {
        Path f = file(tenantId, id);
        if (!Files.exists(f)) return Optional.empty();
        try {
            JsonNode n = JSON.readTree(f.toFile());
            // the file name is a hash: the content must name the same tenant and job
            if (!tenantId.equals(n.path("tenant_id").asText()) || !id.equals(n.path("job_id").asText())) return Optional.empty();
            QueryJob j = new QueryJob(n.path("tenant_id").asText(), n.path("job_id").asText(), n.path("type").asText(),
                    n.path("request").asText(), n.path("format").asText(), n.path("state").asText(), Instant.parse(n.path("created_at").asText()),
                    Instant.parse(n.path("updated_at").asText()), text(n, "error_code"), text(n, "error_detail"), text(n, "result_key"),
                    n.path("row_count").asLong(), n.path("bytes").asLong(), Instant.ofEpochSecond(n.path("expires_at").asLong()));
            return j.expiresAt().isBefore(Instant.now()) ? Optional.empty() : Optional.of(j);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read job file " + f, e);
        }
    }

    @Override
    public synchronized void save(QueryJob job) {
        write(file(job.tenantId(), job.id()), job);
    }

    private static String text(JsonNode n, String k) {
        return n.hasNonNull(k) ? n.get(k).asText() : null;
    }

    private void write(Path f, QueryJob j) {
        ObjectNode n = JSON.createObjectNode();
        n.put("tenant_id", j.tenantId()).put("job_id", j.id()).put("type", j.type()).put("request", j.request()).put("format", j.format())
                .put("state", j.state()).put("created_at", j.createdAt().toString()).put("updated_at", j.updatedAt().toString())
                .put("error_code", j.errorCode()).put("error_detail", j.errorDetail()).put("result_key", j.resultKey())
                .put("row_count", j.rowCount()).put("bytes", j.bytes()).put("expires_at", j.expiresAt().getEpochSecond());
        try {
            PrivateFiles.directory(dir);
            Path tmp = PrivateFiles.createTemp(dir, f.getFileName() + ".");
            JSON.writeValue(tmp.toFile(), n);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write job file " + f, e);
        }
    }
}
