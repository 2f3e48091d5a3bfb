package dev.lakelog.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Local mode keeps HMAC secrets (tenants.json) and request bodies (idempotency records) on disk:
 * the data directory is readable by its owner only (0700) and such files are 0600, set when they
 * are created and again at every start for files written by older versions.
 */
final class PrivateFiles {
    static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private PrivateFiles() {}

    /** Creates {@code dir} (and parents) if missing and makes it 0700. */
    static void directory(Path dir) {
        try {
            Files.createDirectories(dir);
            if (POSIX) Files.setPosixFilePermissions(dir, OWNER_DIR);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create private directory " + dir, e);
        }
    }

    /** Makes an existing file 0600 (nothing if it does not exist). */
    static void file(Path f) {
        try {
            if (POSIX && Files.exists(f)) Files.setPosixFilePermissions(f, OWNER_FILE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restrict permissions of " + f, e);
        }
    }

    /** A new empty file only its owner can read, for writing and then moving into place. */
    static Path createTemp(Path dir, String prefix) throws IOException {
        return POSIX ? Files.createTempFile(dir, prefix, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_FILE))
                : Files.createTempFile(dir, prefix, ".tmp");
    }
}
