package dev.lakelog.lake;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/** Removes known secret values from messages before they reach a log line or an HTTP answer. */
public final class Redactor {
    private final List<String> secrets = new CopyOnWriteArrayList<>();

    public void register(String secret) {
        if (secret != null && secret.length() >= 4) secrets.add(secret);
    }

    public String redact(String message) {
        String m = Objects.toString(message, "");
        for (String s : secrets) m = m.replace(s, "***");
        return m;
    }
}
