package dev.lakelog.infra;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * CloudFormation logical ids that do not depend on which concern construct made a resource.
 * The stack was one flat construct before it was split into {@link StorageConstruct},
 * {@link CatalogConstruct}, {@link FunctionsConstruct}, {@link ApiConstruct} and
 * {@link MonitoringConstruct}; CloudFormation replaces a resource whose logical id changes, which
 * for the bucket, the tables and the database means data left behind. So the concern's own path
 * segment is left out, and ids are computed exactly as CDK's {@code makeUniqueId} does: a
 * top-level id as it is, else the path's alphanumerics plus the first 8 hex digits of the MD5 of
 * the path. {@code LogicalIdsTest} checks both the algorithm and that the ids did not move.
 */
final class LogicalIds {
    private LogicalIds() {}

    /** Construct ids of the concern constructs, left out of their children's logical ids. */
    static final Set<String> CONCERNS = Set.of(StorageConstruct.ID, CatalogConstruct.ID, FunctionsConstruct.ID,
            ApiConstruct.ID, MonitoringConstruct.ID);

    /** CDK's makeUniqueId (core/lib/private/uniqueid.ts) over the path components below the stack. */
    static String of(List<String> path) {
        List<String> components = new ArrayList<>();
        for (String c : path) {
            if (!c.equals("Default")) components.add(c);
        }
        if (components.isEmpty()) throw new IllegalArgumentException("empty path");
        if (components.size() == 1) {
            String top = alnum(components.get(0));
            if (top.length() <= 255) return top;
        }
        // removeDupes: a component the previous kept one ends with is dropped
        List<String> kept = new ArrayList<>();
        for (String c : components) {
            if (kept.isEmpty() || !kept.get(kept.size() - 1).endsWith(c)) kept.add(c);
        }
        StringBuilder human = new StringBuilder();
        for (String c : kept) {
            if (!c.equals("Resource")) human.append(alnum(c));
        }
        String h = human.length() > 240 ? human.substring(0, 240) : human.toString();
        return h + md5(String.join("/", components)).substring(0, 8).toUpperCase(Locale.ROOT);
    }

    /** The path below the stack without a leading concern construct. */
    static List<String> withoutConcern(List<String> path) {
        if (path.size() > 1 && CONCERNS.contains(path.get(0))) return path.subList(1, path.size());
        return path;
    }

    private static String alnum(String s) {
        return s.replaceAll("[^A-Za-z0-9]", "");
    }

    private static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
