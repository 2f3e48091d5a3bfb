package dev.lakelog.local;

import dev.lakelog.storage.StorageException;
import dev.lakelog.storage.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.FileVisitResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@link BlobStore} on a local directory, for local mode. A put writes a temporary file and
 * renames it into place, so a reader never sees half an object.
 */
public final class LocalBlobStore implements BlobStore {
    private final Path root;

    public LocalBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    private Path resolve(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("key escapes the data directory: " + key);
        }
        return p;
    }

    @Override
    public void put(String key, byte[] bytes) {
        Path target = resolve(key);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".put-", ".tmp");
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new StorageException("local write failed for " + key, e);
        }
    }

    @Override
    public void putFile(String key, Path file, String contentType) {
        Path target = resolve(key);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".put-", ".tmp");
            try {
                Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new StorageException("local write failed for " + key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        try {
            return Optional.of(Files.readAllBytes(resolve(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("local read failed for " + key, e);
        }
    }

    /**
     * A file's ETag is what S3 gives a single-part upload: the hex MD5 of its content, so the same
     * content dropped again is recognised as the same file. Computed by reading the file.
     */
    @Override
    public Optional<OpenedBlob> open(String key, String ifMatchEtag) {
        Path p = resolve(key);
        try {
            BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class);
            if (!attrs.isRegularFile()) return Optional.empty();
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("MD5");
            try (java.io.InputStream in = new java.security.DigestInputStream(Files.newInputStream(p), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            String etag = java.util.HexFormat.of().formatHex(md.digest());
            if (ifMatchEtag != null && !ifMatchEtag.equals(etag)) return Optional.empty();
            return Optional.of(new OpenedBlob(new java.io.BufferedInputStream(Files.newInputStream(p), 64 * 1024), attrs.size(),
                    attrs.lastModifiedTime().toInstant(), etag));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("local read failed for " + key, e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<BlobInfo> list(String prefix) {
        Path start = resolve(prefix.contains("/") ? prefix.substring(0, prefix.lastIndexOf('/') + 1) : "");
        if (!Files.isDirectory(start)) return List.of();
        List<BlobInfo> out = new ArrayList<>();
        // Writers create, rename and delete files while this walks (temporary ".put-" files become
        // objects, rollup deletes segments): an entry that vanishes between the directory read and
        // its attributes was simply not there; only a real I/O failure is an error.
        try {
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
                    if (!attrs.isRegularFile() || p.getFileName().toString().startsWith(".put-")) return FileVisitResult.CONTINUE;
                    String key = root.relativize(p).toString().replace('\\', '/');
                    if (key.startsWith(prefix)) out.add(new BlobInfo(key, attrs.size(), attrs.lastModifiedTime().toInstant()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null && !(e instanceof NoSuchFileException)) throw e;
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            return List.of(); // the prefix directory itself went away
        } catch (IOException | UncheckedIOException e) {
            throw new StorageException("local list failed for " + prefix, e);
        }
        out.sort(Comparator.comparing(BlobInfo::key));
        return out;
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(resolve(key));
        } catch (IOException e) {
            throw new StorageException("local delete failed for " + key, e);
        }
    }

    /** A {@code file:} URI of the object (local mode: the client is on the same machine); no expiry. */
    @Override
    public Optional<java.net.URI> presignedGetUrl(String key, java.time.Duration validFor) {
        Path p = resolve(key);
        return Files.isRegularFile(p) ? Optional.of(p.toUri()) : Optional.empty();
    }

    @Override
    public String uri(String key) {
        return resolve(key).toString();
    }
}
