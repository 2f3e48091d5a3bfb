package dev.lakelog.log;

import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J 2 provider of the Lambda zips: what the AWS SDK (and any other library) logs through
 * SLF4J becomes a JSON line of {@link JsonLog} with {@code event} = {@code library_log}, the
 * library's logger name and its message, instead of being dropped (SLF4J without a provider is a
 * no-op). WARN and ERROR only: the SDK's DEBUG/INFO would log request details on every call.
 * Registered in {@code META-INF/services/org.slf4j.spi.SLF4JServiceProvider}.
 */
public final class Slf4jJsonProvider implements SLF4JServiceProvider {
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new BasicMDCAdapter();
    private final ILoggerFactory loggers = JsonSlf4jLogger::new;

    @Override public ILoggerFactory getLoggerFactory() { return loggers; }
    @Override public IMarkerFactory getMarkerFactory() { return markers; }
    @Override public MDCAdapter getMDCAdapter() { return mdc; }
    @Override public String getRequestedApiVersion() { return "2.0.99"; }
    @Override public void initialize() { }

    /** One library logger: WARN and ERROR become JsonLog lines. */
    static final class JsonSlf4jLogger extends AbstractLogger {
        private static final JsonLog LOG = JsonLog.get(Slf4jJsonProvider.class);

        JsonSlf4jLogger(String name) {
            this.name = name;
        }

        @Override public boolean isTraceEnabled() { return false; }
        @Override public boolean isTraceEnabled(Marker marker) { return false; }
        @Override public boolean isDebugEnabled() { return false; }
        @Override public boolean isDebugEnabled(Marker marker) { return false; }
        @Override public boolean isInfoEnabled() { return false; }
        @Override public boolean isInfoEnabled(Marker marker) { return false; }
        @Override public boolean isWarnEnabled() { return true; }
        @Override public boolean isWarnEnabled(Marker marker) { return true; }
        @Override public boolean isErrorEnabled() { return true; }
        @Override public boolean isErrorEnabled(Marker marker) { return true; }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            String message = MessageFormatter.basicArrayFormat(pattern, args);
            String lvl = level.name().toLowerCase(Locale.ROOT);
            if (level == Level.ERROR) {
                LOG.error("library_log", t, "library_logger", name, "library_level", lvl, "message", message);
            } else if (t != null) {
                LOG.warn("library_log", "library_logger", name, "library_level", lvl, "message", message,
                        "error", t.getClass().getName(), "error_message", String.valueOf(t.getMessage()));
            } else {
                LOG.warn("library_log", "library_logger", name, "library_level", lvl, "message", message);
            }
        }
    }
}
