package dev.lakelog.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * Realistic compliance and telemetry events for demos, benchmarks and tests: logins and failed
 * logins (with brute-force bursts from one foreign address), logouts, API access with latencies
 * and status codes, data exports, permission and configuration changes, record reads and updates,
 * background jobs, and rare CRITICAL incidents. A few actors do most of the work (Zipf weights),
 * each has home addresses and sessions; API calls carry W3C trace and span ids. Volume follows a
 * daily rhythm (working hours, UTC) and a weekly one (quiet weekends).
 *
 * <p>Reproducible: the same {@link Spec} (seed, count, days, tenants, end) gives the same events,
 * byte for byte, on any JVM ({@link SplittableRandom} is specified). Events come in time order per
 * hour and are valid for {@code POST /v1/log/batch} (no server-set fields); {@code log_id} is
 * derived from the seed, so sending the same corpus twice stores it once.
 */
public final class EventGenerator {

    /** What to generate: {@code count} events over the {@code days} days before {@code end}, spread over {@code tenants}. */
    public record Spec(long seed, long count, int days, int tenants, Instant end) {
        public Spec {
            if (count < 0) throw new IllegalArgumentException("count must be >= 0, got " + count);
            if (days < 1 || days > 3660) throw new IllegalArgumentException("days must be 1-3660, got " + days);
            if (tenants < 1 || tenants > 1000) throw new IllegalArgumentException("tenants must be 1-1000, got " + tenants);
            end = end.truncatedTo(ChronoUnit.SECONDS);
        }

        public Instant start() {
            return end.minus(Duration.ofDays(days));
        }
    }

    static final String[] COMPONENTS = {"auth-service", "api-gateway", "records-api", "export-service", "admin-console", "billing-worker"};
    private static final String[] FIRST = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
            "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yusuf", "zoe", "amir",
            "bea", "chen", "dmitri", "elif", "femi", "goran", "hana", "ines"};
    private static final String[] LAST = {"smith", "garcia", "chen", "okafor", "muller", "rossi", "kim", "novak", "silva", "haddad"};
    private static final String[] API_PATHS = {"/v1/records", "/v1/records/{id}", "/v1/patients/{id}", "/v1/invoices", "/v1/invoices/{id}",
            "/v1/search", "/v1/reports/{id}", "/v1/users/{id}", "/v1/files/{id}/download"};
    private static final String[] ROLES = {"viewer", "editor", "billing-admin", "records-admin", "auditor", "org-owner"};
    private static final String[] CONFIG_KEYS = {"retention.days", "mfa.required", "session.timeout_minutes", "export.max_rows",
            "password.min_length", "ip_allowlist.enabled", "audit.verbose"};
    private static final String[] JOBS = {"nightly-invoice-run", "index-rebuild", "backup-snapshot", "usage-aggregation"};
    private static final String[] FORMATS = {"csv", "xlsx", "json", "pdf"};
    private static final String[][] INCIDENTS = {
            {"SECURITY_ALERT", "Privilege escalation detected: role org-owner granted outside change window"},
            {"SECURITY_ALERT", "Login from a new country followed by a bulk export"},
            {"DATA_INTEGRITY", "Checksum mismatch on backup snapshot; restore verification failed"},
            {"SERVICE_OUTAGE", "records-api unavailable: database connection pool exhausted"},
            {"SECURITY_ALERT", "Audit log forwarding stopped for 12 minutes"},
    };

    private final Spec spec;
    private final SplittableRandom rnd;
    private final List<TenantModel> tenants = new ArrayList<>();
    private final double[] tenantWeights;
    private final ObjectMapper json = new ObjectMapper();
    private long sequence;

    public EventGenerator(Spec spec) {
        this.spec = spec;
        this.rnd = new SplittableRandom(spec.seed());
        tenantWeights = new double[spec.tenants()];
        for (int i = 0; i < spec.tenants(); i++) {
            tenants.add(new TenantModel(i, rnd.split()));
            tenantWeights[i] = 1.0 / Math.pow(i + 1, 0.8); // the first tenants are the busiest
        }
    }

    /** The tenant names a corpus of {@code k} tenants uses: tenant-01, tenant-02, ... (index 0 first). */
    public static String tenantName(int index, int k) {
        int width = Math.max(2, Integer.toString(k).length());
        return "tenant-" + String.format("%0" + width + "d", index + 1);
    }

    /** Relative volume of an hour: working hours peak mid-morning and mid-afternoon, nights are quiet, weekends a third. */
    static double rhythm(Instant hourStart) {
        var t = hourStart.atOffset(ZoneOffset.UTC);
        int h = t.getHour();
        double day = 0.08 + Math.exp(-Math.pow((h - 10.5) / 2.2, 2)) + 0.85 * Math.exp(-Math.pow((h - 15) / 2.0, 2));
        DayOfWeek d = t.getDayOfWeek();
        boolean weekend = d == DayOfWeek.SATURDAY || d == DayOfWeek.SUNDAY;
        return weekend ? day * 0.3 : day;
    }

    /**
     * Generates every event in time order (within each hour) and hands each to {@code sink} with its
     * tenant index. Memory stays bounded by one hour's events.
     */
    public void generate(BiConsumer<Integer, ObjectNode> sink) {
        long hours = (long) spec.days() * 24;
        double[] w = new double[(int) hours];
        double sum = 0;
        for (int i = 0; i < hours; i++) {
            w[i] = rhythm(spec.start().plus(Duration.ofHours(i))) * (0.85 + 0.3 * rnd.nextDouble());
            sum += w[i];
        }
        long assigned = 0;
        double cumulative = 0;
        for (int i = 0; i < hours; i++) {
            cumulative += w[i];
            long upTo = i == hours - 1 ? spec.count() : Math.round(spec.count() * cumulative / sum);
            long n = upTo - assigned;
            assigned = upTo;
            hour(spec.start().plus(Duration.ofHours(i)), (int) n, sink);
        }
    }

    /** One event of tenant {@code tenant} at {@code at} (a live trickle; not part of the reproducible corpus order). */
    public synchronized ObjectNode eventAt(int tenant, Instant at) {
        return tenants.get(tenant).event(at.getEpochSecond() * 1_000_000L + at.getNano() / 1000);
    }

    private record Timed(long micros, int tenant, ObjectNode event) {}

    private void hour(Instant start, int n, BiConsumer<Integer, ObjectNode> sink) {
        if (n <= 0) return;
        List<Timed> events = new ArrayList<>(n);
        long startMicros = start.getEpochSecond() * 1_000_000L;
        long span = 3_600_000_000L;
        int left = n;
        // a brute-force burst: one foreign address tries many passwords against one account within minutes
        if (n >= 40 && rnd.nextDouble() < 0.06) {
            int t = pickTenant();
            TenantModel tm = tenants.get(t);
            int burst = Math.min(left, 15 + rnd.nextInt(Math.max(1, n / 4)));
            long at = startMicros + (long) (rnd.nextDouble() * (span - 600_000_000L));
            String ip = foreignIp();
            String victim = tm.actors.get(rnd.nextInt(Math.min(5, tm.actors.size()))).id;
            for (int k = 0; k < burst; k++) {
                at += 200_000L + (long) (rnd.nextDouble() * 3_000_000L);
                events.add(new Timed(at, t, tm.failedLogin(at, victim, ip, true)));
            }
            left -= burst;
        }
        for (int k = 0; k < left; k++) {
            long at = startMicros + (long) (rnd.nextDouble() * span);
            int t = pickTenant();
            events.add(new Timed(at, t, tenants.get(t).event(at)));
        }
        events.sort(Comparator.comparingLong(Timed::micros));
        for (Timed e : events) sink.accept(e.tenant(), e.event());
    }

    private int pickTenant() {
        if (tenantWeights.length == 1) return 0;
        double total = 0;
        for (double x : tenantWeights) total += x;
        double r = rnd.nextDouble() * total;
        for (int i = 0; i < tenantWeights.length; i++) {
            r -= tenantWeights[i];
            if (r <= 0) return i;
        }
        return tenantWeights.length - 1;
    }

    private String foreignIp() {
        int[] firsts = {5, 31, 45, 77, 91, 103, 185, 196};
        return firsts[rnd.nextInt(firsts.length)] + "." + rnd.nextInt(256) + "." + rnd.nextInt(256) + "." + (1 + rnd.nextInt(254));
    }

    private String hex(SplittableRandom r, int digits) {
        StringBuilder sb = new StringBuilder(digits);
        while (sb.length() < digits) sb.append(String.format("%016x", r.nextLong()));
        String s = sb.substring(0, digits);
        return s.chars().allMatch(c -> c == '0') ? "1" + s.substring(1) : s;
    }

    private static String iso(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L)
                .truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private final class Actor {
        final String id;
        final String homeIp;
        final boolean service;
        String session;
        long sessionEnds;

        Actor(String id, String homeIp, boolean service) {
            this.id = id;
            this.homeIp = homeIp;
            this.service = service;
        }
    }

    private final class TenantModel {
        final int index;
        final SplittableRandom r;
        final List<Actor> actors = new ArrayList<>();
        final double[] actorWeights;
        final double actorTotal;

        TenantModel(int index, SplittableRandom r) {
            this.index = index;
            this.r = r;
            int people = 12 + r.nextInt(28);
            String domain = "example" + (index == 0 ? "" : Integer.toString(index + 1)) + ".com";
            int officeNet = 10 + r.nextInt(200);
            for (int i = 0; i < people; i++) {
                String name = FIRST[(i + index * 7) % FIRST.length] + "." + LAST[(i * 3 + index) % LAST.length]
                        + (i >= FIRST.length ? Integer.toString(i / FIRST.length) : "") + "@" + domain;
                String ip = r.nextDouble() < 0.7 ? "10." + officeNet + "." + r.nextInt(8) + "." + (2 + r.nextInt(250))
                        : "203.0." + (113 + r.nextInt(2)) + "." + (1 + r.nextInt(254));
                actors.add(new Actor(name, ip, false));
            }
            actors.add(new Actor("svc-etl@" + domain, "10." + officeNet + ".100.10", true));
            actors.add(new Actor("svc-billing@" + domain, "10." + officeNet + ".100.11", true));
            actorWeights = new double[actors.size()];
            double total = 0;
            for (int i = 0; i < actors.size(); i++) {
                actorWeights[i] = 1.0 / Math.pow(i + 1, 1.15); // Zipf: a handful do most of the work
                total += actorWeights[i];
            }
            actorTotal = total;
        }

        Actor actor() {
            double x = r.nextDouble() * actorTotal;
            for (int i = 0; i < actorWeights.length; i++) {
                x -= actorWeights[i];
                if (x <= 0) return actors.get(i);
            }
            return actors.get(actors.size() - 1);
        }

        String sessionOf(Actor a, long at) {
            if (a.session == null || at > a.sessionEnds) {
                a.session = "sess-" + hex(r, 20);
                a.sessionEnds = at + (20 + r.nextInt(220)) * 60_000_000L;
            }
            return a.session;
        }

        ObjectNode base(long at, String type, String outcome, String severity, String component, String message) {
            ObjectNode e = json.createObjectNode();
            e.put("log_id", "gen-" + Long.toHexString(spec.seed()) + "-" + index + "-" + Long.toString(sequence++, 36) + "-" + hex(r, 8));
            e.put("timestamp", iso(at));
            e.put("event_type", type);
            e.put("outcome", outcome);
            e.put("severity", severity);
            e.put("component", component);
            e.put("environment", r.nextDouble() < 0.92 ? "production" : "staging");
            e.put("message", message);
            return e;
        }

        ObjectNode failedLogin(long at, String victim, String ip, boolean burst) {
            ObjectNode e = base(at, "AUTH_LOGIN", "FAILURE", "WARNING", "auth-service", "Login failed for " + victim + ": wrong password");
            e.put("actor_id", victim);
            e.put("source_ip", ip);
            e.put("sensitivity", "CONFIDENTIAL");
            e.put("request_id", "req-" + hex(r, 16));
            ObjectNode p = e.putObject("payload");
            p.put("reason", burst ? "invalid_password" : (r.nextDouble() < 0.7 ? "invalid_password" : "mfa_timeout"));
            p.put("user_agent", burst ? "python-requests/2.31" : "Mozilla/5.0");
            p.put("mfa", !burst);
            e.putArray("policy_tags").add("soc2").add("auth");
            return e;
        }

        ObjectNode event(long at) {
            Actor a = actor();
            double x = r.nextDouble();
            if (x < 0.0006) return incident(at, a);
            if (a.service) return job(at, a);
            if (x < 0.30) return api(at, a);
            if (x < 0.50) return login(at, a);
            if (x < 0.54) return failedLogin(at, a.id, r.nextDouble() < 0.8 ? a.homeIp : foreignIp(), false);
            if (x < 0.62) return logout(at, a);
            if (x < 0.78) return record(at, a);
            if (x < 0.83) return export(at, a);
            if (x < 0.855) return permission(at, a);
            if (x < 0.875) return config(at, a);
            if (x < 0.92) return debug(at, a);
            return api(at, a);
        }

        private void who(ObjectNode e, Actor a, long at) {
            e.put("actor_id", a.id);
            e.put("source_ip", a.homeIp);
            e.put("session_id", sessionOf(a, at));
            e.put("request_id", "req-" + hex(r, 16));
        }

        ObjectNode login(long at, Actor a) {
            a.session = null;
            ObjectNode e = base(at, "AUTH_LOGIN", "SUCCESS", "INFO", "auth-service", "User " + a.id + " logged in");
            who(e, a, at);
            e.put("sensitivity", "INTERNAL");
            ObjectNode p = e.putObject("payload");
            p.put("method", r.nextDouble() < 0.6 ? "sso" : "password+totp");
            p.put("user_agent", r.nextDouble() < 0.7 ? "Mozilla/5.0 (Macintosh)" : "Mozilla/5.0 (Windows NT 10.0)");
            e.putArray("policy_tags").add("soc2").add("auth");
            return e;
        }

        ObjectNode logout(long at, Actor a) {
            ObjectNode e = base(at, "AUTH_LOGOUT", "SUCCESS", "INFO", "auth-service", "User " + a.id + " logged out");
            who(e, a, at);
            e.putObject("payload").put("session_minutes", 5 + r.nextInt(240));
            a.session = null;
            return e;
        }

        ObjectNode api(long at, Actor a) {
            String path = API_PATHS[r.nextInt(API_PATHS.length)].replace("{id}", Integer.toString(1000 + r.nextInt(90_000)));
            String method = r.nextDouble() < 0.75 ? "GET" : (r.nextDouble() < 0.7 ? "POST" : "PUT");
            double y = r.nextDouble();
            int status = y < 0.93 ? (method.equals("POST") ? 201 : 200) : y < 0.975 ? (r.nextBoolean() ? 404 : 403) : y < 0.99 ? 429 : (r.nextBoolean() ? 500 : 503);
            // log-normal latency, median ~45 ms, slower for errors and searches
            double latency = Math.exp(3.8 + 0.7 * gaussian()) * (status >= 500 ? 12 : 1) * (path.startsWith("/v1/search") ? 3 : 1);
            String outcome = status < 400 ? "SUCCESS" : "FAILURE";
            String severity = status >= 500 ? "ERROR" : status >= 400 ? "WARNING" : "INFO";
            ObjectNode e = base(at, "API_ACCESS", outcome, severity, "api-gateway", method + " " + path + " -> " + status + " in " + Math.round(latency) + " ms");
            who(e, a, at);
            e.put("resource", path);
            e.put("trace_id", hex(r, 32));
            e.put("span_id", hex(r, 16));
            e.put("sensitivity", path.contains("patients") ? "RESTRICTED" : "INTERNAL");
            ObjectNode p = e.putObject("payload");
            p.put("http_method", method);
            p.put("path", path);
            p.put("status", status);
            p.put("latency_ms", Math.round(latency * 10) / 10.0);
            p.put("bytes_out", status < 400 ? 200 + r.nextInt(60_000) : 120);
            if (path.contains("patients")) e.putArray("policy_tags").add("hipaa").add("phi");
            return e;
        }

        ObjectNode record(long at, Actor a) {
            boolean update = r.nextDouble() < 0.3;
            String id = "rec-" + (10_000 + r.nextInt(900_000));
            ObjectNode e = base(at, update ? "RECORD_UPDATE" : "RECORD_VIEW", "SUCCESS", "INFO", "records-api",
                    (update ? "Updated " : "Viewed ") + "record " + id);
            who(e, a, at);
            e.put("resource", "records/" + id);
            e.put("trace_id", hex(r, 32));
            e.put("span_id", hex(r, 16));
            e.put("sensitivity", "CONFIDENTIAL");
            ObjectNode p = e.putObject("payload");
            p.put("record_id", id);
            if (update) p.putArray("fields").add(r.nextBoolean() ? "address" : "phone").add("updated_by");
            e.putArray("policy_tags").add("gdpr");
            return e;
        }

        ObjectNode export(long at, Actor a) {
            int rows = (int) Math.min(2_000_000, Math.exp(4 + 2.2 * Math.abs(gaussian())));
            boolean large = rows > 50_000;
            String format = FORMATS[r.nextInt(FORMATS.length)];
            ObjectNode e = base(at, "DATA_EXPORT", "SUCCESS", large ? "WARNING" : "NOTICE", "export-service",
                    "Exported " + rows + " records as " + format.toUpperCase(java.util.Locale.ROOT) + (large ? " (above the review threshold)" : ""));
            who(e, a, at);
            e.put("resource", "exports/" + hex(r, 12) + "." + format);
            e.put("trace_id", hex(r, 32));
            e.put("span_id", hex(r, 16));
            e.put("sensitivity", "RESTRICTED");
            ObjectNode p = e.putObject("payload");
            p.put("rows", rows);
            p.put("format", format);
            p.put("destination", r.nextDouble() < 0.8 ? "download" : "s3://partner-drop/incoming/");
            p.put("duration_ms", 300 + rows / 40);
            e.putArray("policy_tags").add("gdpr").add("soc2").add("data-export");
            return e;
        }

        ObjectNode permission(long at, Actor a) {
            Actor target = actors.get(r.nextInt(actors.size()));
            String role = ROLES[r.nextInt(ROLES.length)];
            boolean grant = r.nextDouble() < 0.65;
            ObjectNode e = base(at, "PERMISSION_CHANGE", "SUCCESS", "NOTICE", "admin-console",
                    (grant ? "Granted role " : "Revoked role ") + role + (grant ? " to " : " from ") + target.id);
            who(e, a, at);
            e.put("resource", "users/" + target.id);
            e.put("sensitivity", "CONFIDENTIAL");
            ObjectNode p = e.putObject("payload");
            p.put("action", grant ? "grant" : "revoke");
            p.put("role", role);
            p.put("target", target.id);
            p.put("ticket", "CHG-" + (1000 + r.nextInt(9000)));
            e.putArray("policy_tags").add("soc2").add("access-control");
            return e;
        }

        ObjectNode config(long at, Actor a) {
            String key = CONFIG_KEYS[r.nextInt(CONFIG_KEYS.length)];
            int old = 5 + r.nextInt(100);
            int now = old + (r.nextBoolean() ? 5 : -3);
            boolean denied = r.nextDouble() < 0.1;
            ObjectNode e = base(at, "CONFIG_CHANGE", denied ? "FAILURE" : "SUCCESS", denied ? "WARNING" : "NOTICE", "admin-console",
                    (denied ? "Denied change of " : "Changed ") + key + " from " + old + " to " + now);
            who(e, a, at);
            e.put("resource", "settings/" + key);
            e.put("sensitivity", "INTERNAL");
            ObjectNode p = e.putObject("payload");
            p.put("key", key);
            p.put("old_value", old);
            p.put("new_value", now);
            if (denied) p.put("reason", "requires org-owner");
            e.putArray("policy_tags").add("soc2").add("change-management");
            return e;
        }

        ObjectNode debug(long at, Actor a) {
            ObjectNode e = base(at, "CACHE_REFRESH", "SUCCESS", "DEBUG", COMPONENTS[r.nextInt(COMPONENTS.length)],
                    "Refreshed permission cache for " + a.id);
            e.put("actor_id", a.id);
            e.putObject("payload").put("entries", 10 + r.nextInt(500)).put("took_ms", 1 + r.nextInt(40));
            return e;
        }

        ObjectNode job(long at, Actor a) {
            String job = JOBS[r.nextInt(JOBS.length)];
            boolean failed = r.nextDouble() < 0.03;
            ObjectNode e = base(at, "JOB_RUN", failed ? "FAILURE" : "SUCCESS", failed ? "ERROR" : "INFO", "billing-worker",
                    "Job " + job + (failed ? " failed: upstream timeout after 30000 ms" : " finished"));
            e.put("actor_id", a.id);
            e.put("source_ip", a.homeIp);
            e.put("request_id", "req-" + hex(r, 16));
            e.put("trace_id", hex(r, 32));
            e.put("span_id", hex(r, 16));
            ObjectNode p = e.putObject("payload");
            p.put("job", job);
            p.put("duration_ms", 500 + r.nextInt(120_000));
            p.put("items", r.nextInt(20_000));
            if (failed) p.put("error", "upstream timeout");
            return e;
        }

        ObjectNode incident(long at, Actor a) {
            String[] inc = INCIDENTS[r.nextInt(INCIDENTS.length)];
            ObjectNode e = base(at, inc[0], "FAILURE", "CRITICAL", inc[0].equals("SERVICE_OUTAGE") ? "records-api" : "auth-service", inc[1]);
            who(e, a, at);
            e.put("trace_id", hex(r, 32));
            e.put("span_id", hex(r, 16));
            e.put("sensitivity", "RESTRICTED");
            ObjectNode p = e.putObject("payload");
            p.put("incident_id", "INC-" + (100 + r.nextInt(900)));
            p.put("paged", "security-oncall");
            p.put("related_actor", a.id);
            e.putArray("policy_tags").add("soc2").add("incident");
            return e;
        }

        private double gaussian() {
            // Box-Muller on this tenant's stream (SplittableRandom has no nextGaussian on Java 17)
            double u = 1.0 - r.nextDouble();
            double v = r.nextDouble();
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }
    }
}
