package dev.lakelog.local;

import dev.lakelog.idempotency.IdempotencyStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * {@link IdempotencyStore} for local mode: one small JSON file per record under
 * {@code <data-dir>/idempotency/<sha256(pk)>.json}, written atomically, so records survive a
 * restart of {@code lakelog serve}. Claims are serialised in this JVM (local mode is one process);
 * expired files are treated as absent and overwritten.
 */
public final class FileIdempotencyStore implements IdempotencyStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    public FileIdempotencyStore(Path dir) {
        this.dir = dir;
    }

    private Path file(String pk) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(pk.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(h) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<Entry> read(Path f) throws IOException {
        if (!Files.exists(f)) return Optional.empty();
        ObjectNode n = (ObjectNode) JSON.readTree(f.toFile());
        boolean done = n.path("completed").asBoolean();
        return Optional.of(new Entry(n.path("fingerprint").asText(), done, n.path("status").asInt(),
                done ? Base64.getDecoder().decode(n.path("body").asText()) : null,
                Instant.ofEpochSecond(n.path("expires_at").asLong()),
                n.has("lock_until") ? Instant.ofEpochSecond(n.path("lock_until").asLong()) : null));
    }

    private void write(Path f, ObjectNode n) throws IOException {
        Files.createDirectories(dir);
        Path tmp = PrivateFiles.createTemp(f.getParent(), f.getFileName() + ".");
        JSON.writeValue(tmp.toFile(), n);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public synchronized Optional<Entry> claim(String pk, String fingerprint, Instant now, Instant lockUntil, Instant expiresAt) {
        try {
            Path f = file(pk);
            Optional<Entry> e = read(f);
            if (e.isPresent()) {
                Entry x = e.get();
                boolean live = !x.expiresAt().isBefore(now) && (x.completed() || x.lockUntil() == null || !x.lockUntil().isBefore(now));
                if (live) return e;
            }
            write(f, JSON.createObjectNode().put("fingerprint", fingerprint).put("completed", false)
                    .put("lock_until", lockUntil.getEpochSecond()).put("expires_at", expiresAt.getEpochSecond()));
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use idempotency store " + dir, e);
        }
    }

    @Override
    public synchronized void complete(String pk, String fingerprint, int status, byte[] body, Instant expiresAt) {
        try {
            write(file(pk), JSON.createObjectNode().put("fingerprint", fingerprint).put("completed", true)
                    .put("status", status).put("body", Base64.getEncoder().encodeToString(body))
                    .put("expires_at", expiresAt.getEpochSecond()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use idempotency store " + dir, e);
        }
    }

    @Override
    public synchronized void release(String pk) {
        try {
            Path f = file(pk);
            Optional<Entry> e = read(f);
            if (e.isPresent() && !e.get().completed()) Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use idempotency store " + dir, e);
        }
    }
}
