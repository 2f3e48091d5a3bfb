package dev.lakelog.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Node;

/**
 * Every knob of the stack, read from CDK context ({@code cdk.json} or {@code -c key=value}).
 *
 * <p>The defaults here are the same as the ones in {@code infra/cdk.json} (a test keeps them in
 * step) and are documented in {@code docs/infra.md}. Values given with {@code -c} arrive as
 * strings, values from {@code cdk.json} as JSON numbers or booleans; both are accepted.
 */
public record StackConfig(
        String lambdaZip,
        String ingestZip,
        String stageName,
        String iotEndpoint,
        int apiThrottleRateLimit,
        int apiThrottleBurstLimit,
        int authorizerCacheTtlSeconds,
        int ingestMemoryMb,
        int authorizerMemoryMb,
        int queryMemoryMb,
        int maintenanceMemoryMb,
        int rollupMemoryMb,
        int duckdbEphemeralStorageMb,
        String rollupSchedule,
        String compactSchedule,
        String expireSnapshotsSchedule,
        String retentionSchedule,
        String cleanupSchedule,
        int expireSnapshotsOlderThanDays,
        int cleanupOlderThanHours,
        int quarantineExpirationDays,
        int noncurrentVersionExpirationDays,
        int logRetentionDays,
        String dbInstanceType,
        int dbAllocatedStorageGb,
        int dbMaxAllocatedStorageGb,
        boolean dbMultiAz,
        boolean dbDeletionProtection,
        int dbBackupRetentionDays,
        int maxAzs,
        String alarmEmail,
        String environment,
        String tracing,
        int wafRateLimitPer5Min,
        boolean apiGatewayCloudWatchRole,
        int dbPasswordRotationDays,
        int tenantIngestRatePerSecond,
        int tenantIngestBurst,
        int tenantQueryRatePerSecond,
        int tenantQueryBurst,
        int ingestReservedConcurrency,
        int authorizerReservedConcurrency,
        int queryReservedConcurrency,
        int maintenanceReservedConcurrency,
        int rollupReservedConcurrency,
        int rollupWorkerMaxConcurrency,
        int dbConnectionsAlarm,
        String catalogSslMode) {

    /** Context keys and their defaults, in the order docs/infra.md lists them. */
    public static final Map<String, Object> DEFAULTS = defaults();

    private static Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lambdaZip", "../lambda-package/target/lakelog-lambda-x86_64.zip");
        d.put("ingestZip", "../lambda-package/target/lakelog-lambda-ingest.zip");
        d.put("stageName", "prod");
        d.put("iotEndpoint", "");
        d.put("apiThrottleRateLimit", 100);
        d.put("apiThrottleBurstLimit", 200);
        d.put("authorizerCacheTtlSeconds", 300);
        d.put("ingestMemoryMb", 1024);
        d.put("authorizerMemoryMb", 512);
        d.put("queryMemoryMb", 3008);
        d.put("maintenanceMemoryMb", 3008);
        d.put("rollupMemoryMb", 3008);
        d.put("duckdbEphemeralStorageMb", 4096);
        d.put("rollupSchedule", "rate(15 minutes)");
        d.put("compactSchedule", "cron(0 3 ? * SUN *)");
        d.put("expireSnapshotsSchedule", "cron(0 4 1 * ? *)");
        d.put("retentionSchedule", "cron(0 2 * * ? *)");
        d.put("cleanupSchedule", "cron(0 5 * * ? *)");
        d.put("expireSnapshotsOlderThanDays", 90);
        d.put("cleanupOlderThanHours", 168);
        d.put("quarantineExpirationDays", 30);
        d.put("noncurrentVersionExpirationDays", 30);
        d.put("logRetentionDays", 90);
        d.put("dbInstanceType", "t4g.small");
        d.put("dbAllocatedStorageGb", 20);
        d.put("dbMaxAllocatedStorageGb", 100);
        d.put("dbMultiAz", false);
        d.put("dbDeletionProtection", true);
        d.put("dbBackupRetentionDays", 7);
        d.put("maxAzs", 2);
        d.put("alarmEmail", "");
        d.put("environment", "");
        d.put("tracing", "none");
        d.put("wafRateLimitPer5Min", 0);
        d.put("apiGatewayCloudWatchRole", false);
        d.put("dbPasswordRotationDays", 30);
        d.put("tenantIngestRatePerSecond", 50);
        d.put("tenantIngestBurst", 100);
        d.put("tenantQueryRatePerSecond", 5);
        d.put("tenantQueryBurst", 20);
        d.put("ingestReservedConcurrency", 100);
        d.put("authorizerReservedConcurrency", 50);
        d.put("queryReservedConcurrency", 20);
        d.put("maintenanceReservedConcurrency", 5);
        d.put("rollupReservedConcurrency", 5);
        d.put("rollupWorkerMaxConcurrency", 10);
        d.put("dbConnectionsAlarm", 150);
        d.put("catalogSslMode", "verify-full");
        return java.util.Collections.unmodifiableMap(d);
    }

    /** Reads every key from the construct tree's context, falling back to {@link #DEFAULTS}. */
    public static StackConfig fromContext(Node node) {
        return from(key -> node.tryGetContext(key));
    }

    /** Reads every key through {@code lookup} (null means: not given), falling back to {@link #DEFAULTS}. */
    public static StackConfig from(Function<String, Object> lookup) {
        Reader r = new Reader(lookup);
        StackConfig c = new StackConfig(
                r.str("lambdaZip"),
                r.str("ingestZip"),
                r.str("stageName"),
                r.str("iotEndpoint").trim(),
                r.intRange("apiThrottleRateLimit", 1, 10_000),
                r.intRange("apiThrottleBurstLimit", 1, 10_000),
                r.intRange("authorizerCacheTtlSeconds", 0, 3600),
                r.memory("ingestMemoryMb"),
                r.memory("authorizerMemoryMb"),
                r.memory("queryMemoryMb"),
                r.memory("maintenanceMemoryMb"),
                r.memory("rollupMemoryMb"),
                r.intRange("duckdbEphemeralStorageMb", 512, 10_240),
                r.schedule("rollupSchedule"),
                r.schedule("compactSchedule"),
                r.schedule("expireSnapshotsSchedule"),
                r.schedule("retentionSchedule"),
                r.schedule("cleanupSchedule"),
                r.intRange("expireSnapshotsOlderThanDays", 1, 36_500),
                r.intRange("cleanupOlderThanHours", 1, 876_000),
                r.intRange("quarantineExpirationDays", 1, 36_500),
                r.intRange("noncurrentVersionExpirationDays", 1, 36_500),
                r.intRange("logRetentionDays", 1, 3653),
                r.str("dbInstanceType"),
                r.intRange("dbAllocatedStorageGb", 20, 65_536),
                r.intRange("dbMaxAllocatedStorageGb", 20, 65_536),
                r.bool("dbMultiAz"),
                r.bool("dbDeletionProtection"),
                r.intRange("dbBackupRetentionDays", 1, 35),
                r.intRange("maxAzs", 2, 6),
                r.str("alarmEmail").trim(),
                r.str("environment").trim(),
                r.str("tracing").trim().toLowerCase(java.util.Locale.ROOT),
                r.intRange("wafRateLimitPer5Min", 0, 2_000_000_000),
                r.bool("apiGatewayCloudWatchRole"),
                r.intRange("dbPasswordRotationDays", 1, 365),
                r.intRange("tenantIngestRatePerSecond", 1, 100_000),
                r.intRange("tenantIngestBurst", 1, 100_000),
                r.intRange("tenantQueryRatePerSecond", 1, 100_000),
                r.intRange("tenantQueryBurst", 1, 100_000),
                r.intRange("ingestReservedConcurrency", 0, 10_000),
                r.intRange("authorizerReservedConcurrency", 0, 10_000),
                r.intRange("queryReservedConcurrency", 0, 10_000),
                r.intRange("maintenanceReservedConcurrency", 0, 10_000),
                r.intRange("rollupReservedConcurrency", 0, 10_000),
                r.intRange("rollupWorkerMaxConcurrency", 2, 1_000), // SQS event sources: maximum concurrency 2-1000
                r.intRange("dbConnectionsAlarm", 1, 100_000),
                r.str("catalogSslMode").trim());
        if (!c.stageName.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("context stageName must be letters, digits or _, got '" + c.stageName + "'");
        }
        if (c.dbMaxAllocatedStorageGb < c.dbAllocatedStorageGb) {
            throw new IllegalArgumentException("context dbMaxAllocatedStorageGb (" + c.dbMaxAllocatedStorageGb
                    + ") must be >= dbAllocatedStorageGb (" + c.dbAllocatedStorageGb + ")");
        }
        if (!c.iotEndpoint.isEmpty() && !c.iotEndpoint.matches("[a-z0-9-]+(\\.[a-z0-9-]+)+")) {
            throw new IllegalArgumentException("context iotEndpoint must be a host name such as "
                    + "'abcdefgh123456-ats.iot.eu-west-1.amazonaws.com' (aws iot describe-endpoint --endpoint-type iot:Data-ATS), got '"
                    + c.iotEndpoint + "'");
        }
        if (!c.environment.isEmpty() && !c.environment.matches("[a-z][a-z0-9-]{0,19}")) {
            throw new IllegalArgumentException("context environment must be lower-case letters, digits or -, starting with a letter, "
                    + "at most 20 characters (e.g. 'staging'), got '" + c.environment + "'");
        }
        if (!c.catalogSslMode.equals("verify-full") && !c.catalogSslMode.equals("require")) {
            throw new IllegalArgumentException("context catalogSslMode must be verify-full or require, got '" + c.catalogSslMode + "'");
        }
        if (!c.tracing.equals("none") && !c.tracing.equals("xray")) {
            throw new IllegalArgumentException("context tracing must be none or xray, got '" + c.tracing + "'");
        }
        if (c.wafRateLimitPer5Min != 0 && c.wafRateLimitPer5Min < 10) {
            throw new IllegalArgumentException("context wafRateLimitPer5Min must be 0 (no WAF) or at least 10 (AWS WAF's minimum), got "
                    + c.wafRateLimitPer5Min);
        }
        c.logRetention(); // validates
        return c;
    }

    /** CloudFormation stack name: {@code LakelogStack}, or {@code LakelogStack-<environment>}. */
    public String stackName() {
        return environment.isEmpty() ? "LakelogStack" : "LakelogStack-" + environment;
    }

    /** Prefix for names that must be unique in the account and region: {@code lakelog} or {@code lakelog-<environment>}. */
    public String namePrefix() {
        return environment.isEmpty() ? "lakelog" : "lakelog-" + environment;
    }

    public boolean xray() {
        return tracing.equals("xray");
    }

    /** CloudWatch Logs accepts only some retention periods; map the configured days onto one. */
    public RetentionDays logRetention() {
        int[] days = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};
        List<RetentionDays> values = List.of(RetentionDays.ONE_DAY, RetentionDays.THREE_DAYS, RetentionDays.FIVE_DAYS,
                RetentionDays.ONE_WEEK, RetentionDays.TWO_WEEKS, RetentionDays.ONE_MONTH, RetentionDays.TWO_MONTHS,
                RetentionDays.THREE_MONTHS, RetentionDays.FOUR_MONTHS, RetentionDays.FIVE_MONTHS, RetentionDays.SIX_MONTHS,
                RetentionDays.ONE_YEAR, RetentionDays.THIRTEEN_MONTHS, RetentionDays.EIGHTEEN_MONTHS, RetentionDays.TWO_YEARS,
                RetentionDays.THREE_YEARS, RetentionDays.FIVE_YEARS, RetentionDays.SIX_YEARS, RetentionDays.SEVEN_YEARS,
                RetentionDays.EIGHT_YEARS, RetentionDays.NINE_YEARS, RetentionDays.TEN_YEARS);
        for (int i = 0; i < days.length; i++) {
            if (days[i] == logRetentionDays) {
                return values.get(i);
            }
        }
        throw new IllegalArgumentException("context logRetentionDays must be one of CloudWatch Logs' periods "
                + java.util.Arrays.toString(days) + ", got " + logRetentionDays);
    }

    private record Reader(Function<String, Object> lookup) {
        private Object raw(String key) {
            Object v = lookup.apply(key);
            return v != null ? v : DEFAULTS.get(key);
        }

        String str(String key) {
            return String.valueOf(raw(key));
        }

        int intRange(String key, int min, int max) {
            Object v = raw(key);
            int n;
            try {
                n = v instanceof Number num ? num.intValue() : Integer.parseInt(String.valueOf(v).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("context " + key + " must be a whole number, got '" + v + "'");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException("context " + key + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        }

        int memory(String key) {
            return intRange(key, 128, 10_240);
        }

        boolean bool(String key) {
            Object v = raw(key);
            if (v instanceof Boolean b) {
                return b;
            }
            String s = String.valueOf(v).trim().toLowerCase(java.util.Locale.ROOT);
            if (s.equals("true") || s.equals("false")) {
                return Boolean.parseBoolean(s);
            }
            throw new IllegalArgumentException("context " + key + " must be true or false, got '" + v + "'");
        }

        String schedule(String key) {
            String s = str(key).trim();
            if (!s.matches("(rate|cron)\\(.+\\)")) {
                throw new IllegalArgumentException("context " + key + " must be an EventBridge schedule expression "
                        + "like 'rate(15 minutes)' or 'cron(0 3 ? * SUN *)', got '" + s + "'");
            }
            return s;
        }
    }
}
