package dev.lakelog.storage;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The few object-store operations lakelog needs: S3 in AWS and in the integration tests,
 * a directory tree in local mode. Keys are '/'-separated, e.g. {@code segments/tenant=a/...}.
 */
public interface BlobStore {

    /** Writes the whole object, or fails leaving no object under the key. Checksummed with SHA-256. */
    void put(String key, byte[] bytes);

    /** {@link #put(String, byte[])} with a {@code Content-Type} for readers that care (browsers, curl). */
    default void put(String key, byte[] bytes, String contentType) {
        put(key, bytes);
    }

    /**
     * Writes the whole file under {@code key} without holding it in memory (result files of up to
     * a gigabyte), or fails leaving no object. The file is left in place.
     */
    void putFile(String key, java.nio.file.Path file, String contentType);

    Optional<byte[]> get(String key);

    /**
     * A URL that lets anyone holding it GET the object, without other credentials, for
     * {@code validFor}: an S3 presigned URL (SigV4 query authentication), a {@code file:} URI
     * (no expiry) in local mode, or empty when the store cannot hand out such a URL.
     */
    default Optional<URI> presignedGetUrl(String key, Duration validFor) {
        return Optional.empty();
    }

    /** Every object under the prefix, ordered by key. */
    List<BlobInfo> list(String prefix);

    /**
     * Every object under the prefix, ordered by key, fetched lazily page by page so a caller can
     * walk a backlog of any size in bounded memory. Defaults to {@link #list}.
     */
    default Iterable<BlobInfo> iterate(String prefix) {
        return list(prefix);
    }

    /**
     * Copies an object to another key inside the store (S3: a server-side copy, nothing passes
     * through the caller); a missing source is a {@link StorageException}. The default reads it whole.
     */
    default void copy(String fromKey, String toKey) {
        put(toKey, get(fromKey).orElseThrow(() -> new StorageException("cannot copy " + fromKey + ": it does not exist", null)));
    }

    /** Deletes; deleting a missing key is not an error. */
    /**
     * The distinct "folders" right below {@code prefix}: for {@code segments/} and keys
     * {@code segments/tenant=a/...}, {@code segments/tenant=b/...} that is
     * {@code [segments/tenant=a/, segments/tenant=b/]}, sorted. S3 answers it with one delimiter
     * LIST per 1,000 folders; this default walks every key.
     */
    default java.util.SortedSet<String> childPrefixes(String prefix) {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        for (BlobInfo b : iterate(prefix)) {
            int slash = b.key().indexOf('/', prefix.length());
            if (slash > 0) out.add(b.key().substring(0, slash + 1));
        }
        return out;
    }

    void delete(String key);

    /** Where DuckDB finds the object or prefix: {@code s3://bucket/key} or a local path. */
    String uri(String key);

    record BlobInfo(String key, long size, java.time.Instant lastModified) {}

    /**
     * An object opened for streaming (the drop folder reads files of gigabytes this way): its bytes,
     * size, last-modified time and ETag (without quotes; locally a stand-in made of size and
     * modification time). The caller closes it.
     */
    record OpenedBlob(java.io.InputStream stream, long size, java.time.Instant lastModified, String etag) implements java.io.Closeable {
        @Override
        public void close() throws java.io.IOException {
            stream.close();
        }
    }

    /**
     * Opens the object for reading without holding it in memory, if it exists and, when
     * {@code ifMatchEtag} is not null, still has that ETag (S3 {@code If-Match}); empty otherwise.
     * The default reads it whole (stores that are small by nature).
     */
    default Optional<OpenedBlob> open(String key, String ifMatchEtag) {
        Optional<byte[]> bytes = get(key);
        if (bytes.isEmpty()) return Optional.empty();
        BlobInfo info = list(key).stream().filter(b -> b.key().equals(key)).findFirst().orElse(null);
        java.time.Instant modified = info == null ? java.time.Instant.EPOCH : info.lastModified();
        String etag = java.util.HexFormat.of().formatHex(sha256(bytes.get())).substring(0, 32);
        if (ifMatchEtag != null && !ifMatchEtag.equals(etag)) return Optional.empty();
        return Optional.of(new OpenedBlob(new java.io.ByteArrayInputStream(bytes.get()), bytes.get().length, modified, etag));
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
